MATCH (s:Segment {segment_id: $segment_id})
RETURN COUNT { (s)<-[:IN_SEGMENT]-(:User) } AS size
