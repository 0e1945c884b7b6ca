// Draft and running experiments whose current definition may name $segment_id as their
// audience (stopped ones cannot restart; archived and deleting ones serve nothing). The
// service reads each definition's audience for the exact reference.
MATCH (x:Experiment)
WHERE x.status IN ['draft', 'running'] AND x.definition CONTAINS $segment_id
RETURN x.experiment_id AS experiment_id, x.status AS status, x.definition AS definition
ORDER BY experiment_id
