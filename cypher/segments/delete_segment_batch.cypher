// One bounded transaction of a deletion: up to $limit membership-history records, then (when
// none is left) up to $member_limit memberships (each takes its profile's lock, so fewer per
// transaction), then versions; the segment node last, when nothing is left. One row: what
// was deleted, what remains (degree counts, no scan), and whether the segment is gone.
MATCH (s:Segment {segment_id: $segment_id})
WHERE s.deleting_at IS NOT NULL
CALL (s) {
  MATCH (s)-[:MEMBERSHIP_CHANGED]->(m)
  WITH m LIMIT $limit
  DETACH DELETE m
  RETURN count(*) AS changes
}
CALL (s, changes) {
  MATCH (s)<-[r:IN_SEGMENT]-()
  WHERE changes = 0
  WITH r LIMIT $member_limit
  DELETE r
  RETURN count(*) AS members
}
CALL (s, changes, members) {
  MATCH (s)-[:HAS_VERSION]->(v)
  WHERE changes = 0 AND members = 0
  WITH v LIMIT $limit
  DETACH DELETE v
  RETURN count(*) AS versions
}
WITH s, changes, members, versions,
     COUNT { (s)-[:MEMBERSHIP_CHANGED]->() } AS changes_left,
     COUNT { (s)<-[:IN_SEGMENT]-() } AS members_left,
     COUNT { (s)-[:HAS_VERSION]->() } AS versions_left
CALL (s, changes_left, members_left, versions_left) {
  WITH s WHERE changes_left + members_left + versions_left = 0
  DETACH DELETE s
  RETURN count(*) AS gone
}
RETURN changes, members, versions, changes_left, members_left, versions_left, gone > 0 AS gone
