// Segment-membership work of a batch, recorded in the batch's own transaction on the profiles
// it changed (already write-locked by intake/lock_batch, so no new lock is taken):
// membership_pending is the batch time ($now) of the oldest unapplied change (importers may
// set it in the past; the drain takes work whose time has come by its own clock),
// membership_marked the wall-clock time of this statement, the batch's last before its commit
// (the membership lag metric is measured from it), membership_types the event types (plus
// 'identify', 'consent', or '*' for a merged profile) received since, membership_renamed the
// ids the profile had before (its change feed continues under the new id), membership_seq
// the number of batches that recorded work (the drain evaluates without locks and applies
// only work that did not move meanwhile). app/segments/membership/drain.py drains it.
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
    u.membership_marked = coalesce(u.membership_marked, $marked_at),
    u.membership_types = CASE WHEN '*' IN had OR '*' IN m.types THEN ['*']
                              ELSE had + [t IN m.types WHERE NOT t IN had] END,
    u.membership_renamed = coalesce(u.membership_renamed, []) + m.renamed,
    u.membership_seq = coalesce(u.membership_seq, 0) + 1
