// Every stored version of one experiment, oldest first.
MATCH (:Experiment {experiment_id: $experiment_id})-[:HAS_VERSION]->(v:ExperimentVersion)
RETURN v.version AS version, v.definition AS definition, v.created_at AS created_at
ORDER BY v.version
