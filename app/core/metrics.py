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

INGEST_LISTENER_FAILURES = Counter(
    "profilegraph_ingest_listener_failures_total",
    "Ingest listeners that raised after a committed batch (the batch's durable work remains)",
    ["listener"],
)
INTAKE_REPLANS = Counter(
    "profilegraph_intake_replans_total",
    "Batches rolled back and planned again: a concurrent batch changed their profiles or "
    "identities between the lookup and the locks (stale), or created the same id first "
    "(constraint)",
    ["reason"],
)
SEGMENT_HISTORY_PRUNED = Counter(
    "profilegraph_segment_history_pruned_total",
    "Membership-history records pruned by the retention rule (age, or count per segment)",
    ["rule"],
)
SEGMENT_DELETION_RECORDS = Counter(
    "profilegraph_segment_deletion_records_total",
    "Records deleted by segment deletions (membership_changes, members, versions)",
    ["kind"],
)
SEGMENT_HOUSEKEEPING_FAILURES = Counter(
    "profilegraph_segment_housekeeping_failures_total",
    "Segment housekeeping passes (history pruning, resumed deletions) that failed (retried)")
CATALOG_CHANGE_USERS = Counter(
    "profilegraph_catalog_change_users_total",
    "Profiles given membership work because an item they have events on changed category, "
    "price, brand or title")
CATALOG_CHANGE_FAILURES = Counter(
    "profilegraph_catalog_change_failures_total",
    "Passes expanding catalog changes into membership work that failed (retried)")
RECOMMEND_WAITING = Gauge(
    "profilegraph_recommend_waiting_requests",
    "Recommendation requests waiting for a slot (PROFILEGRAPH_RECOMMEND_MAX_CONCURRENCY)",
    multiprocess_mode="livesum")
RECOMMEND_READ_GROUP = Histogram(
    "profilegraph_recommend_read_group_size",
    "Shoppers read by one statement for recommendation requests in flight together",
    buckets=(1, 2, 4, 8, 16, 32, 64))
RECOMMEND_HISTORY_READS = Counter(
    "profilegraph_recommend_histories_total",
    "Shopper histories a recommendation used, by where they came from: read from the graph, "
    "or held warm by this process at the event count the graph still reports",
    ["source"])
RECOMMEND_SCORES = Counter(
    "profilegraph_recommend_scores_total",
    "Personalized scorings a recommendation used: scored for it, or kept warm from the "
    "shopper's earlier request with every input the same (app/recommend/warm_scores.py)",
    ["source"])
MEMBERSHIP_PENDING = Gauge(
    "profilegraph_membership_pending_users", "Profiles with segment-membership work pending",
    multiprocess_mode="mostrecent")
MEMBERSHIP_FAILED = Gauge(
    "profilegraph_membership_failed_users",
    "Profiles whose pending membership work failed at least once (retried later)",
    multiprocess_mode="mostrecent")
MEMBERSHIP_DRAIN_FAILURES = Counter(
    "profilegraph_membership_drain_failures_total", "Membership drains that failed (retried)")
MEMBERSHIP_APPLIED = Counter(
    "profilegraph_membership_applied_users_total", "Profiles whose membership work was applied")
MEMBERSHIP_REDONE = Counter(
    "profilegraph_membership_redone_users_total",
    "Profiles a drain evaluated again under lock: a batch recorded more work meanwhile")
MEMBERSHIP_LAG = Histogram(
    "profilegraph_membership_lag_seconds",
    "From the ingest commit that recorded membership work (its last statement) to the "
    "commit that applied it",
    # fine around the 1 s target, so p99 can be told apart from 0.5, 1.5 or 2 s
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.25, 1.5, 2, 2.5, 3, 4, 5, 7.5,
             10, 30, 60),
)
MEMBERSHIP_DRAIN_SECONDS = Histogram(
    "profilegraph_membership_drain_seconds",
    "Wall time of one membership drain's phases: evaluate (the segment reads, no locks) and "
    "apply (the write transaction that locks, applies and clears the work)",
    ["phase"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.25, 1.5, 2, 2.5, 3, 4, 5, 7.5,
             10, 30, 60),
)
RECEIPTS_PRUNED = Counter(
    "profilegraph_message_receipts_pruned_total",
    "Receipts of identify/alias/group messages deleted past their retention period")
RECEIPT_PRUNE_FAILURES = Counter(
    "profilegraph_message_receipt_prune_failures_total",
    "Receipt pruning passes that failed (the next pass retries)")
FRESH_ITEM_FAILURES = Counter(
    "profilegraph_fresh_item_refresh_failures_total",
    "Failed refreshes of the vectors of items newer than the served model",
)
DB_BREAKER_OPEN = Gauge(
    "profilegraph_db_breaker_open", "1 while Neo4j is known down and API calls fail fast",
    multiprocess_mode="livemax"
)
# The model refresh (app/recommend/model_refresh.py). Gauges come from the state every API
# process reads from the graph, so all processes report the same figures.
MODEL_REFRESH_LAST_BUILD = Gauge(
    "profilegraph_model_refresh_last_build_timestamp_seconds",
    "When the last automatic model build finished (Unix time; 0: none yet)",
    multiprocess_mode="mostrecent")
MODEL_REFRESH_DURATION = Gauge(
    "profilegraph_model_refresh_last_build_duration_seconds",
    "Wall time of the last automatic model build (export, validation, promotion)",
    multiprocess_mode="mostrecent")
MODEL_REFRESH_CPU = Gauge(
    "profilegraph_model_refresh_last_build_cpu_seconds",
    "CPU time of the last automatic model build's process",
    multiprocess_mode="mostrecent")
MODEL_REFRESH_OUTCOME = Gauge(
    "profilegraph_model_refresh_last_outcome",
    "1 for the outcome of the last automatic model build: promoted, kept (the serving model "
    "won on the same split), empty (nothing to build from) or failed", ["outcome"],
    multiprocess_mode="mostrecent")
MODEL_REFRESH_EVENTS_SINCE = Gauge(
    "profilegraph_model_refresh_events_since_build",
    "Events stored since the last model build started",
    multiprocess_mode="mostrecent")
MODEL_REFRESH_ITEMS_SINCE = Gauge(
    "profilegraph_model_refresh_items_since_build",
    "Items added since the last model build started",
    multiprocess_mode="mostrecent")
MODEL_REFRESH_BUILDS = Counter(
    "profilegraph_model_refresh_builds_total",
    "Automatic model builds this process ran, by outcome", ["outcome", "kind"])
MODEL_REFRESH_CHECK_FAILURES = Counter(
    "profilegraph_model_refresh_check_failures_total",
    "Refresh checks that failed (the graph was unreachable; the next check retries)")
