// A refresh's record (models chosen, validation figures, distribution, clusters); only the
// latest $keep are kept.
CREATE (:PredictionRun {run_id: $run_id, at: $at, anchor: $anchor, status: $status,
                        scored: $scored, summary: $summary})
WITH 1 AS done
MATCH (r:PredictionRun)
WITH r ORDER BY r.at DESC
SKIP $keep
DETACH DELETE r
RETURN count(*) AS pruned
