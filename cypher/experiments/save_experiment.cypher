// A new version of an experiment: the current state on (:Experiment), every version kept.
// The salt is fixed at creation, so new versions keep every shopper's variant.
MERGE (x:Experiment {experiment_id: $experiment_id})
ON CREATE SET x.created_at = $now, x.salt = $salt, x.status = 'draft'
// Write-lock the node before reading the version, so concurrent uploads number apart.
SET x._lock = true
WITH x
SET x.version = coalesce(x.version, 0) + 1,
    x.name = $name, x.definition = $definition, x.updated_at = $now
REMOVE x._lock
CREATE (x)-[:HAS_VERSION]->(:ExperimentVersion {experiment_id: $experiment_id,
                                                version: x.version, definition: $definition,
                                                created_at: $now})
RETURN x.version AS version
