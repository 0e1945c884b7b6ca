"""Prometheus metrics of the prediction refresh (scraped at /metrics)."""

from prometheus_client import Counter, Gauge, Histogram

RUNS = Counter(
    "profilegraph_prediction_refreshes_total",
    "Prediction refreshes, by outcome (success, no_data, skipped: another process holds the "
    "lease, failure: retried later)", ["outcome"])
SCORED = Gauge("profilegraph_predicted_profiles",
               "Profiles scored by the latest successful refresh in this process",
    multiprocess_mode="mostrecent")
LAST_SUCCESS = Gauge("profilegraph_prediction_last_success_timestamp_seconds",
                     "Wall-clock time of the latest successful refresh in this process",
    multiprocess_mode="max")
SECONDS = Histogram("profilegraph_prediction_refresh_seconds",
                    "Wall time of a prediction refresh (read, train, score, write)",
                    buckets=(1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600))
