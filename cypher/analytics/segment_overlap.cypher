// Members shared by every pair of segments, with each segment's size.
// params: {}
// chart: both by segment_a, segment_b
MATCH (a:Segment), (b:Segment)
WHERE a.definition IS NOT NULL AND b.definition IS NOT NULL AND a.segment_id < b.segment_id
RETURN a.segment_id AS segment_a, b.segment_id AS segment_b,
       COUNT { (a)<-[:IN_SEGMENT]-(:User) } AS size_a,
       COUNT { (b)<-[:IN_SEGMENT]-(:User) } AS size_b,
       COUNT { (a)<-[:IN_SEGMENT]-(u:User)-[:IN_SEGMENT]->(b) } AS both
ORDER BY both DESC, segment_a, segment_b
