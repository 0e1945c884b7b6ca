// Up to $limit membership-history records recorded before $before, oldest first (index
// membership_change_at). One row: deleted.
MATCH (m:MembershipChange) WHERE m.at < $before
WITH m ORDER BY m.at LIMIT $limit
DETACH DELETE m
RETURN count(*) AS deleted
