// The automatic model refresh keeps its state and the lease that lets only one process build
// at a time on one node per key (app/recommend/model_refresh.py).
CREATE CONSTRAINT model_refresh_key IF NOT EXISTS FOR (m:ModelRefresh) REQUIRE m.key IS UNIQUE;
