// Record an experiment's frozen plan and its looks (app/experiments/plan.py): only over the
// revision the caller read, so two concurrent readers cannot overwrite each other's looks.
// The node is write-locked before its revision is read; whichever plan is stored is returned.
MATCH (x:Experiment {experiment_id: $experiment_id})
SET x._lock = true
REMOVE x._lock
WITH x, coalesce(x.plan_revision, 0) = $expected AS current
SET x.plan = CASE WHEN current THEN $plan ELSE x.plan END,
    x.plan_revision = CASE WHEN current THEN $expected + 1 ELSE x.plan_revision END
RETURN x.plan AS plan, x.plan_revision AS revision
