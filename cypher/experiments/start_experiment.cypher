// Start one experiment if no other runs on its surface ($surface: 'recommendations' or
// 'placement:<id>'; kept on the node when it starts, absent before surfaces existed):
// decided in one statement under write locks on every experiment node, taken in id order (no deadlock between two starts), so that two
// concurrent starts cannot both find "nothing else running" (check-then-set would). The
// second waits for the first to commit, then reads its status.
MATCH (every:Experiment)
WITH every ORDER BY every.experiment_id
SET every._lock = true
REMOVE every._lock
WITH count(every) AS locked
MATCH (x:Experiment {experiment_id: $experiment_id})
OPTIONAL MATCH (other:Experiment {status: 'running'})
WHERE other.experiment_id <> $experiment_id
  AND coalesce(other.surface, 'recommendations') = $surface
WITH x, collect(other.experiment_id) AS others
WITH x, others, x.status AS before,
     size(others) = 0 AND x.status IN ['draft', 'running'] AS allowed
SET x.status = CASE WHEN allowed THEN 'running' ELSE x.status END,
    x.surface = CASE WHEN allowed THEN $surface ELSE x.surface END,
    x.started_at = CASE WHEN allowed THEN coalesce(x.started_at, $now) ELSE x.started_at END,
    x.updated_at = CASE WHEN allowed THEN $now ELSE x.updated_at END
RETURN before, x.status AS status, others, allowed
