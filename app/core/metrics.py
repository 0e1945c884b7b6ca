"""Prometheus metrics shared across the service."""

from prometheus_client import Counter, Gauge, Histogram

REQUESTS = Counter(
    "profilegraph_http_requests_total", "HTTP requests", ["method", "route", "status"]
)
REQUEST_LATENCY = Histogram(
    "profilegraph_http_request_duration_seconds",
    "HTTP request latency",
    ["method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
DB_BREAKER_OPEN = Gauge(
    "profilegraph_db_breaker_open", "1 while Neo4j is known down and API calls fail fast"
)
