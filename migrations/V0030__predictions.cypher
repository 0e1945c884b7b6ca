// Predicted traits (app/predictions): a refresh clears the profiles it did not score by
// their stamp; one lease per background job; the refreshes' records.
CREATE RANGE INDEX user_pred_at IF NOT EXISTS FOR (u:User) ON (u.pred_at);
CREATE CONSTRAINT job_lease_name IF NOT EXISTS FOR (l:JobLease) REQUIRE l.name IS UNIQUE;
CREATE CONSTRAINT prediction_run_id IF NOT EXISTS FOR (r:PredictionRun) REQUIRE r.run_id IS UNIQUE;
CREATE RANGE INDEX prediction_run_at IF NOT EXISTS FOR (r:PredictionRun) ON (r.at);
