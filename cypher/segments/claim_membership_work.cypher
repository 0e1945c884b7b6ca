// The oldest pending membership work, write-locked in user_id order (the order intake locks
// profiles in, so the worker and intake never wait on each other in a cycle); the values are
// read after the lock, so no batch can add work to these profiles until the drain commits.
MATCH (u:User) WHERE u.membership_pending <= $now
WITH u ORDER BY u.membership_pending LIMIT $limit
WITH u ORDER BY u.user_id
SET u.membership_pending = u.membership_pending
RETURN u.user_id AS user_id, u.membership_types AS types,
       coalesce(u.membership_renamed, []) AS renamed, u.membership_pending AS pending
