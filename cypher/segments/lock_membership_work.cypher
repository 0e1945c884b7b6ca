// Write-locks the profiles whose work the drain evaluated, in user_id order (the order intake
// locks profiles in, so the two never wait on each other in a cycle), and returns those still
// pending, with their work as it is now: `moved` when a batch recorded more since the
// evaluation read it (membership_seq differs), so that result is stale.
UNWIND $work AS w
MATCH (u:User {user_id: w.user_id})
WITH u, w ORDER BY w.user_id
SET u.user_id = u.user_id
WITH u, w
WHERE u.membership_pending IS NOT NULL
RETURN u.user_id AS user_id, coalesce(u.membership_marked, u.membership_pending) AS marked,
       coalesce(u.membership_seq, 0) <> w.seq AS moved, u.membership_types AS types,
       coalesce(u.membership_renamed, []) AS renamed
