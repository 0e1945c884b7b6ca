"""Prometheus metrics of decisions (scraped at /metrics)."""

from prometheus_client import Counter

DECISIONS = Counter(
    "profilegraph_decisions_total",
    "Placement decisions served, by placement and outcome (rule, default, no_consent, "
    "unknown_user)", ["placement", "outcome"])
