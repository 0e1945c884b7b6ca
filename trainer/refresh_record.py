"""A build run by hand (`profilegraph build-model`) takes the model refresh's build lease, the
one the API's background refresh takes (the `(:ModelRefresh {key: 'model'})` node,
docs/design.md "The model follows the store"), with the same statements: so a build by hand
and a refresh build never run at once (two exports and two builds at once on a small host
slow both past their limits), and the build records itself there when it ends, so the
refresh counts new events from it instead of rebuilding the same store at once."""

from __future__ import annotations

import os
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from trainer.connection import Neo4jConnection

# The refresh's own statements (app/recommend/model_refresh_repository.py runs them too).
CYPHER = Path(__file__).resolve().parents[1] / "cypher" / "recommend"
REFRESH_KEY = "model"  # app/recommend/model_refresh_repository.py's key
KIND = "manual"  # how the refresh state names a build run by hand
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Running:
    """A build that holds the lease: who, what kind, since and until when."""

    owner: str
    kind: str | None
    started_at: datetime | None
    lease_until: datetime

    def describe(self) -> str:
        since = f" since {self.started_at:%H:%M:%S} UTC" if self.started_at else ""
        return (f"a {self.kind or 'model'} build is running ({self.owner}{since}; its lease "
                f"ends at {self.lease_until:%H:%M:%S} UTC at the latest)")


@dataclass(frozen=True)
class Lease:
    owner: str
    events: int  # the store's counts when the build started
    items: int


def _run(connection: Neo4jConnection, name: str, **params: object) -> list[dict]:
    import neo4j  # the driver is only needed against a graph

    query = (CYPHER / f"{name}.cypher").read_text()
    with neo4j.GraphDatabase.driver(connection.uri,
                                    auth=(connection.user, connection.password)) as driver:
        records, _, _ = driver.execute_query(query, params, database_=connection.database)
    return [r.data() for r in records]


def _native(value: object) -> object:
    return value.to_native() if hasattr(value, "to_native") else value


def try_lease(connection: Neo4jConnection, owner: str, lease_s: float
              ) -> Lease | Running:
    """Take the build lease by compare-and-set on the state just read, or say who holds it."""
    [row] = _run(connection, "get_model_refresh", key=REFRESH_KEY)
    state = {k: _native(v) for k, v in (row["state"] or {}).items()}
    now = datetime.now(UTC)
    until = state.get("lease_until")
    if until is not None and until > now and state.get("lease_owner") != owner:
        return Running(str(state.get("lease_owner")), state.get("running_kind"),
                       state.get("started_at"), until)
    started = state.get("started_at")
    seen = (started - EPOCH) // timedelta(milliseconds=1) if started else None
    taken = _run(connection, "take_model_refresh_lease", key=REFRESH_KEY, owner=owner, now=now,
                 until=now + timedelta(seconds=lease_s), seen_started_ms=seen,
                 events=int(row["events"]), items=int(row["items"]), kind=KIND)
    if taken:
        return Lease(owner, int(row["events"]), int(row["items"]))
    return try_lease(connection, owner, lease_s)  # the state moved between read and take


def acquire(connection: Neo4jConnection, lease_s: float, wait: bool,
            say: Callable[[str], None], poll_s: float = 5.0) -> Lease | Running:
    """The lease, waiting while another build holds it when `wait` (saying so once), else
    the build that holds it."""
    owner = f"build-model@{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
    told = False
    while True:
        got = try_lease(connection, owner, lease_s)
        if isinstance(got, Lease) or not wait:
            return got
        if not told:
            say(f"{got.describe()}; waiting for it to finish (--no-wait to stop instead)")
            told = True
        time.sleep(poll_s)


def finish(connection: Neo4jConnection, lease: Lease, outcome: str, reason: str,
           version: str | None, duration_s: float, cpu_s: float) -> None:
    """Record the build on the refresh state and free the lease (the refresh's statement: the
    counts it started from become the baseline of "events since the last build")."""
    _run(connection, "finish_model_refresh", key=REFRESH_KEY, owner=lease.owner,
         now=datetime.now(UTC), outcome=outcome, reason=reason[:1000], version=version,
         duration_s=round(duration_s, 2), cpu_s=round(cpu_s, 2), kind=KIND)
