"""Prometheus metrics shared across the service."""

from prometheus_client import Counter, Histogram

REQUESTS = Counter(
    "profilegraph_http_requests_total", "HTTP requests", ["method", "route", "status"]
)
REQUEST_LATENCY = Histogram(
    "profilegraph_http_request_duration_seconds",
    "HTTP request latency",
    ["method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
FRESH_ITEM_FAILURES = Counter(
    "profilegraph_fresh_item_refresh_failures_total",
    "Failed refreshes of the vectors of items newer than the served model",
)
