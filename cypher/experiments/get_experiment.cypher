// One experiment's current state.
MATCH (x:Experiment {experiment_id: $experiment_id})
RETURN x.experiment_id AS experiment_id, x.version AS version, x.name AS name,
       x.definition AS definition, x.status AS status, x.salt AS salt,
       x.started_at AS started_at, x.stopped_at AS stopped_at,
       x.created_at AS created_at, x.updated_at AS updated_at,
       x.plan AS plan, coalesce(x.plan_revision, 0) AS plan_revision
