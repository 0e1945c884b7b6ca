// Deleting an experiment, step 2: the shoppers' recorded variants, in batches.
MATCH (:Experiment {experiment_id: $experiment_id})<-[a:ASSIGNED]-(:User)
CALL (a) {
  DELETE a
} IN TRANSACTIONS OF 10000 ROWS
RETURN count(*) AS deleted
