MATCH (:Segment {segment_id: $segment_id})<-[:IN_SEGMENT]-(u:User)
RETURN u.user_id AS user_id
