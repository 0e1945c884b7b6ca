"""Delivery metrics on /metrics. Counters count this process's sends; the gauges are read
from the graph (the outbox is shared by every process), labelled by destination id."""

from prometheus_client import Counter, Gauge, Histogram

DELIVERIES_SENT = Counter(
    "profilegraph_deliveries_sent_total", "Deliveries a destination accepted", ["destination"])
DELIVERY_FAILURES = Counter(
    "profilegraph_delivery_failures_total",
    "Failed delivery attempts (error, timeout or non-2xx answer; retried with backoff)",
    ["destination"])
DELIVERIES_DEAD_TOTAL = Counter(
    "profilegraph_deliveries_dead_total",
    "Deliveries moved to the dead-letter state after the last attempt", ["destination"])
DELIVERIES = Gauge(
    "profilegraph_deliveries",
    "Deliveries in the outbox by state: pending (never tried), retrying, dead (those "
    "delivered: profilegraph_deliveries_sent_total)", ["destination", "state"],
    multiprocess_mode="mostrecent")
DELIVERY_OLDEST_PENDING = Gauge(
    "profilegraph_delivery_oldest_pending_seconds",
    "Age of the oldest delivery not yet delivered (the destination's lag)", ["destination"],
    multiprocess_mode="mostrecent")
DELIVERY_LAG = Histogram(
    "profilegraph_delivery_lag_seconds",
    "From the commit that queued a delivery to the destination's acceptance",
    buckets=(0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 30, 60, 300, 900, 3600))
DESTINATION_BREAKER_OPEN = Gauge(
    "profilegraph_destination_breaker_open",
    "1 while a destination's circuit breaker is open (its target kept failing)",
    ["destination"],
    multiprocess_mode="livemax")
DELIVERY_WORKER_FAILURES = Counter(
    "profilegraph_delivery_worker_failures_total",
    "Delivery rounds that failed on the graph (retried; nothing is lost)")
