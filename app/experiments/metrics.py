"""Prometheus metrics of experiments and recommendation strategies (scraped at /metrics)."""

from prometheus_client import Counter, Gauge

SERVED = Counter(
    "profilegraph_recommendations_served_total",
    "Recommendation lists served, by strategy, experiment and variant ('' when not enrolled)",
    ["strategy", "experiment", "variant"],
)
FALLBACKS = Counter(
    "profilegraph_recommendation_fallbacks_total",
    "Lists served by a fallback instead of the variant's strategy",
    ["strategy", "variant", "reason"],
)
MODEL_SERVED = Counter(
    "profilegraph_model_version_served_total",
    "Lists scored by each model version, by variant", ["model_version", "variant"],
)
OUTCOMES = Counter(
    "profilegraph_experiment_outcomes_total",
    "Outcome events linked to an exposure by recommendation_id (clicks, adds, orders)",
    ["strategy", "variant", "type"],
)
ENROLLMENT = Counter(
    "profilegraph_experiment_enrollment_total",
    "Enrollment decisions per request", ["experiment", "result"],
)
EXPOSURES_WRITTEN = Counter(
    "profilegraph_exposures_written_total", "Exposures written to the graph")
EXPOSURE_WRITE_FAILURES = Counter(
    "profilegraph_exposure_write_failures_total",
    "Failed exposure batch writes (the batch stays in the journal and is retried)")
EXPOSURE_JOURNAL_ERRORS = Counter(
    "profilegraph_exposure_journal_errors_total",
    "Exposures the local journal could not take (kept in memory and retried instead)")
EXPOSURE_BACKLOG = Gauge(
    "profilegraph_exposure_backlog", "Exposures recorded but not yet written to the graph",
    multiprocess_mode="livesum")
ATTRIBUTION_FAILURES = Counter(
    "profilegraph_attribution_failures_total",
    "Failed attribution passes (results do not depend on them: they join at read time)")


_children: dict[tuple[object, tuple[str, ...]], object] = {}


def child(metric: Counter, *labels: str) -> Counter:
    """`metric.labels(*labels)`, bound once per label set: `labels()` validates and locks on
    every call, and serving counts three or four of these per request. Label values here
    are few (strategies, experiments, variants, model versions); the map is cleared should
    they ever grow past a bound."""
    key = (metric, labels)
    bound = _children.get(key)
    if bound is None:
        if len(_children) >= 10_000:
            _children.clear()
        bound = _children[key] = metric.labels(*labels)
    return bound  # type: ignore[return-value]
