// The experiments serving shoppers now.
MATCH (x:Experiment {status: 'running'})
RETURN x.experiment_id AS experiment_id, x.version AS version, x.definition AS definition,
       x.salt AS salt, x.started_at AS started_at
ORDER BY x.started_at
