// Write-locks the profiles whose work the drain evaluated, in user_id order (the order intake
// locks profiles in, so the two never wait on each other in a cycle), and returns those still
// pending, with their work as it is now: `moved` when a batch recorded more since the
// evaluation read it (membership_seq differs), so that result is stale.
// The lock is a marker written and removed, never the user_id itself: a batch may rename the
// profile while this statement waits for its lock, and writing back the id read before would
// undo the rename. A profile renamed meanwhile is left out (its work, under its new id, is the
// next drain's).
UNWIND $work AS w
MATCH (u:User {user_id: w.user_id})
WITH u, w ORDER BY w.user_id
SET u.`__lock` = true
REMOVE u.`__lock`
WITH u, w
WHERE u.user_id = w.user_id AND u.membership_pending IS NOT NULL
RETURN u.user_id AS user_id, coalesce(u.membership_marked, u.membership_pending) AS marked,
       coalesce(u.membership_seq, 0) <> w.seq AS moved, u.membership_types AS types,
       coalesce(u.membership_renamed, []) AS renamed
