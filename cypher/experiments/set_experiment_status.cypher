// Stop (and archive): the status moves only from one of $from, so a stopped experiment stays
// stopped. Starting has its own statement (start_experiment.cypher).
MATCH (x:Experiment {experiment_id: $experiment_id})
WHERE x.status IN $from
SET x.status = $status,
    x.started_at = CASE WHEN $status = 'running' THEN coalesce(x.started_at, $now)
                        ELSE x.started_at END,
    x.stopped_at = CASE WHEN $status = 'stopped' THEN $now ELSE x.stopped_at END,
    x.updated_at = $now
RETURN x.status AS status
