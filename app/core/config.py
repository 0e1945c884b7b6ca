"""Service settings, read from the environment (prefix PROFILEGRAPH_) and `.env`."""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.core.paths import CACHE_DIR, PROJECT_ROOT

# Passwords that must never reach a non-development deployment.
WEAK_SECRETS = frozenset({"", "neo4j", "password", "changeme", "changethis", "secret"})


class Environment(StrEnum):
    development = "development"
    test = "test"
    production = "production"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="PROFILEGRAPH_", env_file=".env", extra="ignore"
    )

    environment: Environment = Environment.development

    # Neo4j connection
    # Empty means the local server managed by this project: bolt://127.0.0.1:<bolt port>.
    neo4j_uri: str = ""
    neo4j_user: str = "neo4j"
    neo4j_password: SecretStr | None = None
    neo4j_database: str = "neo4j"
    neo4j_password_file: Path = CACHE_DIR / "neo4j" / "password"

    # Local Neo4j server managed by `profilegraph neo4j ...`
    neo4j_home: Path = CACHE_DIR / "neo4j" / "server"
    neo4j_lib_dir: Path = CACHE_DIR / "neo4j" / "lib"
    neo4j_bolt_port: int = Field(default=7687, ge=1, le=65535)
    neo4j_http_port: int = Field(default=7474, ge=1, le=65535)
    neo4j_heap: str = "2g"
    neo4j_pagecache: str = "2g"
    neo4j_start_timeout_s: float = 90.0

    # API
    api_host: str = "127.0.0.1"
    api_port: int = Field(default=8000, ge=1, le=65535)
    # uvicorn worker processes of `profilegraph serve` (docs/benchmarks.md, "Serving": the
    # process model on 2 cores shared with Neo4j).
    api_workers: int = Field(default=1, ge=1, le=64)
    # Seconds uvicorn's supervisor waits for a starting worker's health answer before it kills
    # and restarts it (uvicorn's own default, 5 s, is shorter than an app start on 2 loaded
    # cores: imports, driver, model load).
    api_worker_healthcheck_timeout_s: int = Field(default=60, ge=5, le=600)
    admin_api_key: SecretStr | None = None
    log_level: str = "INFO"
    # Key of the pseudonyms that stand for user ids in logs; unset: a random key per process.
    log_pseudonym_key: SecretStr | None = None
    # Largest request body any route reads (routes set lower limits of their own).
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    # /metrics without a key; unset: public except in production, where it needs an admin key.
    metrics_public: bool | None = None
    db_retry_after_s: int = 5

    # Consent when a user has not stated one for a purpose: opt_in = denied until granted
    # (GDPR default), opt_out = granted until denied.
    consent_default: Literal["opt_in", "opt_out"] = "opt_in"
    # Fernet key (`Fernet.generate_key()`); when set, e-mail/phone identities also keep an
    # encrypted copy for GDPR exports. Unset: only their SHA-256 is stored.
    pii_encryption_key: SecretStr | None = None
    # Write the batches that arrive during a write together, in one transaction.
    intake_group_commit: bool = True
    # Identify/alias/group messageIds are kept this long, so a replay within it counts them
    # as duplicates (events are deduplicated by their id for as long as they are kept).
    message_receipt_retention_days: int = Field(default=30, ge=1)
    message_receipt_prune_interval_s: float = Field(default=3600.0, gt=0)

    # Recommendations: promoted GNN artifacts, polled for hot reload.
    artifacts_dir: Path = PROJECT_ROOT / "artifacts" / "gnn"
    model_poll_interval_s: float = Field(default=5.0, gt=0)
    # At most this share of one list may come from a single category (diversity).
    recs_category_share: float = Field(default=0.5, gt=0, le=1)
    # Age after which a popularity list is recomputed in the background (served meanwhile).
    popular_cache_ttl_s: float = Field(default=30.0, ge=0)
    # Recommendation requests worked on at once in this process; more wait their turn
    # (app/core/admission.py). The path is CPU-bound on one event loop: two in flight
    # overlap a Neo4j round trip with scoring, more only take turns from intake
    # (docs/benchmarks-live.md: 2 against 8 gave about twice the ingest rate, ~20 % fewer reads).
    recommend_max_concurrency: int = Field(default=2, ge=1, le=4096)
    popular_recent_days: int = Field(default=30, ge=1)
    recs_history_limit: int = Field(default=200, ge=1)
    # Shopper histories each API process keeps warm between requests, checked against the
    # profile's event count on every read (app/recommend/warm_histories.py); 0 keeps none.
    # An entry costs ~350 bytes per event held (up to the model's history limit, 500) plus its
    # touched items: ~35 KB for a shopper of 100 events.
    recs_warm_histories: int = Field(default=4_096, ge=0)
    # Scored pools kept with those histories (app/recommend/warm_scores.py): ~16 KB each for a
    # list of 20, ~60 KB for a category list (its pool of 500).
    recs_warm_scores: int = Field(default=4_096, ge=0)
    # How often vectors are derived for items added after the served model.
    fresh_items_interval_s: float = Field(default=60.0, gt=0)
    # The model refresh (app/recommend/model_refresh.py, docs/design.md): every API process
    # checks this often whether to rebuild (0 turns the refresh off); a build starts when
    # this many events or items arrived since the last one, or on any change once the model
    # is older than max_age, never sooner than cooldown after the previous build started.
    model_refresh_interval_s: float = Field(default=30.0, ge=0)
    model_refresh_min_new_events: int = Field(default=1000, ge=1)
    model_refresh_min_new_items: int = Field(default=20, ge=1)
    model_refresh_max_age_s: float = Field(default=3600.0, gt=0)
    model_refresh_cooldown_s: float = Field(default=120.0, ge=0)
    # ... or when the store went quiet this long after a smaller burst (an import's tail).
    model_refresh_settle_s: float = Field(default=60.0, ge=0)
    # A full build (every family the install offers: the searched filters need the train
    # extra) at most this often; the others are quick (GF-CF). 0: quick builds only.
    model_refresh_full_interval_s: float = Field(default=6 * 3600.0, ge=0)
    # A build running longer is stopped (and its lease frees this long after it started).
    model_refresh_timeout_s: float = Field(default=1800.0, gt=0)

    # Experiments: exposures are journaled here until written to the graph (one directory per
    # host; processes sharing it replay each other's leftovers).
    exposure_journal_dir: Path = CACHE_DIR / "experiments" / "journal"

    # Segments: seconds between sweeps of time-windowed segments (0 turns the sweep off).
    segment_sweep_interval_s: float = Field(default=300.0, ge=0)
    # Segments: how long an ingest request waits for its membership changes to be applied
    # by the membership worker before answering. 0 (default): answer at commit, as Segment's
    # API does; the work is durable and lands within the membership lag (/metrics). A
    # positive wait lets a client read its own writes, at the price of ingest latency.
    segment_membership_wait_s: float = Field(default=0.0, ge=0, le=30)
    # Segments: how many of a membership drain's per-segment read statements run at once
    # (separate read transactions, so Neo4j runs them on several threads); 1: one by one.
    segment_drain_concurrency: int = Field(default=4, ge=1, le=32)
    # Decisions worked on at once in this process (one read each); more wait their turn, so
    # a burst queues here instead of exhausting the driver's connection pool.
    decision_max_concurrency: int = Field(default=16, ge=1, le=4096)
    # Predicted traits and clusters (app/predictions): seconds between background refreshes,
    # one process at a time (a lease in the graph); 0 turns the background refresh off.
    prediction_refresh_interval_s: float = Field(default=6 * 3600.0, ge=0)
    # Segments: membership history (MEMBERSHIP_CHANGED) is kept this many days (by when the
    # change was recorded) and at most this many newest records per segment; older ones are
    # pruned every segment_history_prune_interval_s (docs/segments.md).
    segment_history_retention_days: int = Field(default=90, ge=1)
    segment_history_max_per_segment: int = Field(default=100_000, ge=1)
    segment_history_prune_interval_s: float = Field(default=3600.0, gt=0)
    # Segments: a deletion runs in transactions of this many records; DELETE answers after at
    # most segment_delete_budget_s (202 with its progress when not done; it continues in the
    # background, durably).
    segment_delete_batch: int = Field(default=10_000, ge=1)
    segment_delete_budget_s: float = Field(default=10.0, gt=0)
    # Analyst Cypher (POST /v1/cypher): per-query transaction timeout and row cap.
    analyst_timeout_s: float = Field(default=10.0, gt=0)
    analyst_row_cap: int = Field(default=10_000, ge=1)
    # ... and byte cap of one answer (JSON size, approximately); worker processes running them
    analyst_byte_cap: int = Field(default=16 * 1024 * 1024, ge=1024)
    analyst_workers: int = Field(default=2, ge=1, le=32)

    # Destinations (docs/destinations.md). Networks a webhook target may resolve to although
    # loopback, private or link-local (the SSRF guard refuses those otherwise), as CIDRs.
    destination_allow_networks: list[str] = []
    # The delivery worker: a failed send is retried after delivery_backoff_s, doubling per
    # attempt (jittered, at most delivery_backoff_max_s), dead after delivery_max_attempts;
    # a target failing delivery_breaker_failures times in a row is left alone for
    # delivery_breaker_open_s, then probed with one delivery. Off: this process sends nothing.
    delivery_worker: bool = True
    delivery_max_attempts: int = Field(default=10, ge=1, le=100)
    delivery_backoff_s: float = Field(default=2.0, gt=0)
    delivery_backoff_max_s: float = Field(default=900.0, gt=0)
    delivery_timeout_s: float = Field(default=10.0, gt=0)
    delivery_lease_s: float = Field(default=60.0, gt=0)
    delivery_poll_s: float = Field(default=0.5, gt=0)
    # the shortest time between two delivery rounds of a process (claims batch what queued)
    delivery_round_s: float = Field(default=0.5, ge=0)
    delivery_batch: int = Field(default=500, ge=1, le=10_000)
    delivery_concurrency: int = Field(default=16, ge=1, le=256)
    delivery_breaker_failures: int = Field(default=5, ge=1)
    delivery_breaker_open_s: float = Field(default=30.0, gt=0)
    delivery_retention_days: int = Field(default=7, ge=1)
    # Kafka (optional, docs/kafka.md): bootstrap servers, e.g. 127.0.0.1:9092. Unset: no kafka
    # destinations and no intake consumer; the service runs without Kafka.
    kafka_bootstrap_servers: str = ""
    # ... the topic the intake consumer reads Segment messages from (empty: no consumer)
    kafka_intake_topic: str = ""
    kafka_intake_group: str = "profilegraph-intake"
    kafka_intake_batch: int = Field(default=1000, ge=1, le=100_000)
    # false: this serving process runs no intake consumer (an API-only replica; the consumer
    # runs elsewhere, e.g. `profilegraph kafka consume` or another serving process)
    kafka_intake_consumer: bool = True
    # "kafka": /v1/batch and the single-message routes validate, check the suppression list,
    # produce to kafka_intake_topic and answer once the broker acknowledged (acks=all); the
    # intake consumer applies them. "direct": they answer after the graph commit.
    intake_mode: Literal["direct", "kafka"] = "direct"
    kafka_produce_timeout_s: float = Field(default=10.0, gt=0)
    # The local broker run by `profilegraph kafka start` (KRaft, jars from Maven Central)
    kafka_home: Path = CACHE_DIR / "kafka" / "server"
    kafka_lib_dir: Path = CACHE_DIR / "kafka" / "lib"
    kafka_port: int = Field(default=9092, ge=1, le=65535)
    kafka_controller_port: int = Field(default=9093, ge=1, le=65535)
    kafka_heap: str = "512m"
    kafka_start_timeout_s: float = 90.0

    migration_lock_timeout_s: float = 60.0
    migration_lock_stale_s: float = 600.0

    @model_validator(mode="after")
    def _derive_uri(self) -> Settings:
        if not self.neo4j_uri:
            self.neo4j_uri = f"bolt://127.0.0.1:{self.neo4j_bolt_port}"
        return self

    @model_validator(mode="after")
    def _check_intake_mode(self) -> Settings:
        if self.intake_mode == "kafka" and not (self.kafka_bootstrap_servers
                                                and self.kafka_intake_topic):
            raise ValueError("PROFILEGRAPH_INTAKE_MODE=kafka needs "
                             "PROFILEGRAPH_KAFKA_BOOTSTRAP_SERVERS and "
                             "PROFILEGRAPH_KAFKA_INTAKE_TOPIC")
        return self

    @model_validator(mode="after")
    def _check_networks(self) -> Settings:
        import ipaddress

        for cidr in self.destination_allow_networks:
            try:
                ipaddress.ip_network(cidr, strict=False)
            except ValueError:
                raise ValueError(f"PROFILEGRAPH_DESTINATION_ALLOW_NETWORKS: {cidr!r} is not "
                                 "a network (CIDR)") from None
        return self

    @model_validator(mode="after")
    def _check_pii_key(self) -> Settings:
        if self.pii_encryption_key is not None:
            import base64
            import binascii

            try:
                raw = base64.urlsafe_b64decode(self.pii_encryption_key.get_secret_value())
            except (binascii.Error, ValueError):
                raw = b""
            if len(raw) != 32:
                raise ValueError("PROFILEGRAPH_PII_ENCRYPTION_KEY must be a Fernet key "
                                 "(32 url-safe base64-encoded bytes)")
        return self

    @model_validator(mode="after")
    def _refuse_default_secrets(self) -> Settings:
        if self.environment == Environment.production:
            pw = self.neo4j_password.get_secret_value() if self.neo4j_password else ""
            if pw.lower() in WEAK_SECRETS:
                raise ValueError(
                    "PROFILEGRAPH_NEO4J_PASSWORD must be set to a non-default value in production"
                )
            key = self.admin_api_key.get_secret_value() if self.admin_api_key else ""
            if key and (key.lower() in WEAK_SECRETS or len(key) < 16):
                raise ValueError("PROFILEGRAPH_ADMIN_API_KEY is too weak for production")
        return self

    def resolved_neo4j_password(self) -> str:
        """The password from the environment, else the generated one kept by the installer."""
        if self.neo4j_password is not None:
            return self.neo4j_password.get_secret_value()
        if self.neo4j_password_file.exists():
            return self.neo4j_password_file.read_text().strip()
        raise RuntimeError(
            "No Neo4j password: set PROFILEGRAPH_NEO4J_PASSWORD or run `profilegraph neo4j install`"
        )

    @property
    def neo4j_auth(self) -> tuple[str, str]:
        return (self.neo4j_user, self.resolved_neo4j_password())


@lru_cache
def get_settings() -> Settings:
    return Settings()
