// A batch of exposures, idempotent on recommendation_id (a replayed batch changes nothing).
// The first exposure of a shopper in an experiment records the assignment: ON CREATE only,
// so a recorded variant is never overwritten. The shopper is linked, not named: erasing the
// profile leaves an exposure without personal data.
UNWIND $exposures AS row
MERGE (x:Exposure {recommendation_id: row.recommendation_id})
ON CREATE SET x.experiment_id = row.experiment_id, x.variant = row.variant,
              x.strategy = row.strategy, x.model_version = row.model_version,
              x.fallback_reason = row.fallback_reason, x.items = row.items,
              x.at = datetime({epochMillis: row.at_ms}), x.day = row.day,
              x.surface = row.surface
WITH x, row
OPTIONAL MATCH (u:User {user_id: row.user_id})
OPTIONAL MATCH (exp:Experiment {experiment_id: row.experiment_id})
CALL (x, u, exp, row) {
  WITH x, u, exp, row WHERE u IS NOT NULL
  MERGE (u)-[:SAW]->(x)
  WITH u, exp, row WHERE exp IS NOT NULL
  MERGE (u)-[a:ASSIGNED]->(exp)
  ON CREATE SET a.variant = row.variant, a.at = datetime({epochMillis: row.at_ms})
}
CALL (x, exp) {
  WITH x, exp WHERE exp IS NOT NULL
  MERGE (x)-[:IN_EXPERIMENT]->(exp)
}
RETURN count(x) AS written
