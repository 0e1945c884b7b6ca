// Every experiment's current state, newest first.
MATCH (x:Experiment)
RETURN x.experiment_id AS experiment_id, x.version AS version, x.name AS name,
       x.definition AS definition, x.status AS status, x.salt AS salt,
       x.started_at AS started_at, x.stopped_at AS stopped_at,
       x.created_at AS created_at, x.updated_at AS updated_at
ORDER BY x.created_at DESC
