// Deleting an experiment, last step: the node and its stored versions (few), once the
// exposures and assignments are gone.
MATCH (x:Experiment {experiment_id: $experiment_id})
OPTIONAL MATCH (x)-[:HAS_VERSION]->(v:ExperimentVersion)
WITH x, collect(v) AS versions
FOREACH (v IN versions | DETACH DELETE v)
DETACH DELETE x
RETURN size(versions) AS versions
