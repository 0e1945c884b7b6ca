"""Prometheus metrics of decisions (scraped at /metrics)."""

from prometheus_client import Counter, Gauge

DECISIONS = Counter(
    "profilegraph_decisions_total",
    "Placement decisions served, by placement and outcome (rule, default, no_consent, "
    "unknown_user)", ["placement", "outcome"])
WAITING = Gauge(
    "profilegraph_decision_waiting_requests",
    "Decision requests waiting for a slot (PROFILEGRAPH_DECISION_MAX_CONCURRENCY)",
    multiprocess_mode="livesum")
