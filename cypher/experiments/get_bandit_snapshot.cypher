// The bandit arm counts every serving process uses in the current refresh period
// (app/experiments/bandit_snapshots.py), or nulls before the first.
MATCH (x:Experiment {experiment_id: $experiment_id})
RETURN x.bandit_bucket AS bucket, x.bandit_refresh_s AS refresh_s,
       x.bandit_counts AS counts, x.bandit_counted_at AS counted_at
