// Write-locks the profiles whose work the drain evaluated, in user_id order (the order intake
// locks profiles in, so the two never wait on each other in a cycle), and returns those whose
// work is still what was evaluated: pending, and no batch recorded more since (same
// membership_seq). The others stay pending for the next drain.
UNWIND $work AS w
MATCH (u:User {user_id: w.user_id})
WITH u, w ORDER BY w.user_id
SET u.user_id = u.user_id
WITH u, w
WHERE u.membership_pending IS NOT NULL AND coalesce(u.membership_seq, 0) = w.seq
RETURN u.user_id AS user_id, u.membership_pending AS pending
