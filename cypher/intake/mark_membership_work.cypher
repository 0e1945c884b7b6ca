// Segment-membership work of a batch, recorded in the batch's own transaction on the profiles
// it changed (already write-locked by intake/lock_batch, so no new lock is taken):
// membership_pending is when the oldest unapplied change committed, membership_types the
// event types (plus 'identify', 'consent', or '*' for a merged profile) received since, and
// membership_renamed the ids the profile had before (its change feed continues under the new
// id), membership_seq counts the batches that recorded work (the drain evaluates without
// locks and applies only work that did not move meanwhile). app/segments/membership_drain.py
// drains it.
UNWIND $marks AS m
CALL (m) {
  MATCH (u) WHERE m.u IS NOT NULL AND elementId(u) = $eid_prefix + $user_eids[m.u]
  RETURN u
UNION
  MATCH (u:User {user_id: m.user_id}) WHERE m.u IS NULL
  RETURN u
}
WITH u, m, coalesce(u.membership_types, []) AS had
SET u.membership_pending = coalesce(u.membership_pending, $now),
    u.membership_types = CASE WHEN '*' IN had OR '*' IN m.types THEN ['*']
                              ELSE had + [t IN m.types WHERE NOT t IN had] END,
    u.membership_renamed = coalesce(u.membership_renamed, []) + m.renamed,
    u.membership_seq = coalesce(u.membership_seq, 0) + 1
