// Experiments: one node per experiment, every version kept, exposures looked up by the
// recommendation_id storefronts send back, outcome events found by that id.
CREATE CONSTRAINT experiment_experiment_id IF NOT EXISTS FOR (x:Experiment) REQUIRE x.experiment_id IS UNIQUE;
CREATE CONSTRAINT experiment_version_id IF NOT EXISTS FOR (v:ExperimentVersion) REQUIRE (v.experiment_id, v.version) IS UNIQUE;
CREATE CONSTRAINT exposure_recommendation_id IF NOT EXISTS FOR (x:Exposure) REQUIRE x.recommendation_id IS UNIQUE;
CREATE RANGE INDEX exposure_experiment_id IF NOT EXISTS FOR (x:Exposure) ON (x.experiment_id);
CREATE RANGE INDEX event_recommendation_id IF NOT EXISTS FOR (e:Event) ON (e.p_recommendation_id);
