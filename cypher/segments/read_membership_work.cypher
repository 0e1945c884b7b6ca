// The oldest pending membership work, read without taking any lock (the drain evaluates it
// first and locks the profiles only to apply the result): membership_seq is the number of
// batches that recorded work on the profile, so the apply step can tell whether a batch
// committed more work in between. $exclude: the profiles a drain in progress is applying.
MATCH (u:User) WHERE u.membership_pending <= $now AND NOT u.user_id IN $exclude
WITH u ORDER BY u.membership_pending LIMIT $limit
RETURN u.user_id AS user_id, u.membership_types AS types,
       coalesce(u.membership_renamed, []) AS renamed, u.membership_pending AS pending,
       coalesce(u.membership_seq, 0) AS seq
ORDER BY user_id
