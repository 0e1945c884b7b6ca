// Membership history is pruned by age (app/segments/history_retention.py): the prune seeks
// the oldest changes, and the count cap finds a segment's cut-off time.
CREATE RANGE INDEX membership_change_at IF NOT EXISTS FOR (m:MembershipChange) ON (m.at);
