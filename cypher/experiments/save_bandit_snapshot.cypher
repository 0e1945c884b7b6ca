// Record the arm counts of refresh period $bucket unless a process already recorded this
// period (or a later one) with the same refresh_s: the node is write-locked before it is
// read, so of two processes counting at once the first stores and both use what is stored.
MATCH (x:Experiment {experiment_id: $experiment_id})
SET x._lock = true
REMOVE x._lock
WITH x, (x.bandit_refresh_s IS NULL OR x.bandit_refresh_s <> $refresh_s
         OR x.bandit_bucket < $bucket) AS newer
SET x.bandit_bucket = CASE WHEN newer THEN $bucket ELSE x.bandit_bucket END,
    x.bandit_refresh_s = CASE WHEN newer THEN $refresh_s ELSE x.bandit_refresh_s END,
    x.bandit_counts = CASE WHEN newer THEN $counts ELSE x.bandit_counts END,
    x.bandit_counted_at = CASE WHEN newer THEN $now ELSE x.bandit_counted_at END
RETURN x.bandit_bucket AS bucket, x.bandit_refresh_s AS refresh_s,
       x.bandit_counts AS counts, x.bandit_counted_at AS counted_at
