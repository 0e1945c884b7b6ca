// Segments holding more than $max membership-history records (a degree count, no scan),
// each with the time of its $max-th newest record, in epoch milliseconds (a DateTime sent back
// as a parameter carries a named zone, which Neo4j orders after the same instant stored with
// an offset): the records before it are over the cap.
MATCH (s:Segment)
WITH s, COUNT { (s)-[:MEMBERSHIP_CHANGED]->() } AS n
WHERE n > $max
CALL (s) {
  MATCH (s)-[:MEMBERSHIP_CHANGED]->(m)
  WITH m.at AS at ORDER BY at DESC SKIP $max - 1 LIMIT 1
  RETURN at.epochMillis AS cutoff_ms
}
RETURN s.segment_id AS segment_id, n, cutoff_ms
