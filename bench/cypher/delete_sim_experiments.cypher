// bench/experiments_sim.py: remove its own experiments (prefixed ids), their versions and
// exposures, and its catalogue items.
CALL () {
  MATCH (x:Exposure) WHERE x.experiment_id STARTS WITH $prefix
  DETACH DELETE x
}
CALL () {
  MATCH (x:Experiment) WHERE x.experiment_id STARTS WITH $prefix
  OPTIONAL MATCH (x)-[:HAS_VERSION]->(v:ExperimentVersion)
  DETACH DELETE x, v
}
CALL () {
  MATCH (i:Item) WHERE i.item_id STARTS WITH $prefix
  DETACH DELETE i
}
