// Membership work of a catalog change, recorded on its shoppers (in user_id order, the order
// intake and the drain lock profiles in), as intake/mark_membership_work records a batch's:
// type 'catalog' re-evaluates the segments whose rules test item fields.
UNWIND $user_ids AS uid
MATCH (u:User {user_id: uid})
WITH u, coalesce(u.membership_types, []) AS had
ORDER BY u.user_id
SET u.membership_pending = coalesce(u.membership_pending, $now),
    u.membership_marked = coalesce(u.membership_marked, $marked_at),
    u.membership_types = CASE WHEN '*' IN had THEN ['*']
                              WHEN 'catalog' IN had THEN had ELSE had + ['catalog'] END,
    u.membership_seq = coalesce(u.membership_seq, 0) + 1
RETURN count(u) AS marked
