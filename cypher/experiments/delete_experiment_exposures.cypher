// Deleting an experiment, step 1: its exposures, with their SAW, IN_EXPERIMENT and
// ATTRIBUTED_TO links, in batches (an experiment can hold millions: one transaction would
// exceed the transaction memory). Auto-commit; idempotent, so a failed run is just rerun.
MATCH (x:Exposure {experiment_id: $experiment_id})
CALL (x) {
  DETACH DELETE x
} IN TRANSACTIONS OF 5000 ROWS
RETURN count(*) AS deleted
