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
    # Analyst Cypher (POST /v1/cypher): per-query transaction timeout and row cap.
    analyst_timeout_s: float = Field(default=10.0, gt=0)
    analyst_row_cap: int = Field(default=10_000, ge=1)
    # ... and byte cap of one answer (JSON size, approximately); worker processes running them
    analyst_byte_cap: int = Field(default=16 * 1024 * 1024, ge=1024)
    analyst_workers: int = Field(default=2, ge=1, le=32)

    migration_lock_timeout_s: float = 60.0
    migration_lock_stale_s: float = 600.0

    @model_validator(mode="after")
    def _derive_uri(self) -> Settings:
        if not self.neo4j_uri:
            self.neo4j_uri = f"bolt://127.0.0.1:{self.neo4j_bolt_port}"
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
