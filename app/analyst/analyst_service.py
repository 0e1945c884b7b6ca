"""Read-only Cypher for analysts: parameters checked here, the query run in a worker process.

The worker (app/analyst/query_worker.py) checks the query with EXPLAIN (app/analyst/
plan_check.py), runs it in a READ transaction with a timeout, caps rows and bytes and encodes
the answer, so neither a huge result nor its conversion reaches the API's event loop.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import re
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import orjson

from app.analyst import query_worker
from app.analyst.query_params import check_params
from app.core.errors import ApiError
from app.core.paths import CYPHER_DIR

_NAME_LINE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
# Time allowed beyond the transaction timeout for the worker to answer (start-up, encoding).
WORKER_GRACE_S = 20.0


@dataclass(frozen=True)
class ChartSpec:
    """What a saved query's chart plots: `// chart: <value column> by <label column>, ...`."""

    value: str
    labels: tuple[str, ...]


@dataclass(frozen=True)
class SavedQuery:
    name: str
    description: str
    params: dict[str, Any]
    text: str
    chart: ChartSpec | None = None


def _chart_spec(text: str) -> ChartSpec:
    value, _, labels = text.partition(" by ")
    return ChartSpec(value.strip(), tuple(c.strip() for c in labels.split(",") if c.strip()))


@dataclass(frozen=True)
class WorkerTarget:
    """Where worker processes connect (they open their own small driver)."""

    uri: str
    user: str
    password: str
    database: str

    @classmethod
    def from_settings(cls, settings: Any) -> WorkerTarget:
        user, password = settings.neo4j_auth
        return cls(settings.neo4j_uri, user, password, settings.neo4j_database)


@dataclass(frozen=True)
class QueryResult:
    body: bytes  # the encoded answer: JSON, or CSV when asked for
    media_type: str
    truncated_by: str | None  # "rows", "bytes" or None

    @property
    def truncated(self) -> bool:
        return self.truncated_by is not None

    @cached_property
    def _json(self) -> dict[str, Any]:
        return orjson.loads(self.body)

    @property
    def columns(self) -> list[str]:
        return self._json["columns"]

    @property
    def rows(self) -> list[list[Any]]:
        return self._json["rows"]

    def as_json(self) -> dict[str, Any]:
        return self._json


def load_saved(root: Path = CYPHER_DIR / "analytics") -> dict[str, SavedQuery]:
    """`cypher/analytics/<name>.cypher`; header comments give the description and
    `// params: {json}` the default parameters, `// chart: <column> by <columns>` what its
    chart plots (else the first numeric column by the first text column)."""
    saved = {}
    for path in sorted(root.glob("*.cypher")):
        text = path.read_text()
        description, params, chart = [], {}, None
        for line in text.splitlines():
            if not line.startswith("//"):
                break
            body = line[2:].strip()
            if body.startswith("params:"):
                params = json.loads(body.removeprefix("params:"))
            elif body.startswith("chart:"):
                chart = _chart_spec(body.removeprefix("chart:"))
            else:
                description.append(body)
        if _NAME_LINE.match(path.stem):
            saved[path.stem] = SavedQuery(path.stem, " ".join(description), params, text,
                                          chart)
    return saved


# One pool per target and size for the process: the app, the CLI and tests share it, and
# workers outlive a single app instance (their start-up costs about a second).
_POOLS: dict[tuple[WorkerTarget, int], ProcessPoolExecutor] = {}


def _shared_pool(target: WorkerTarget, workers: int) -> ProcessPoolExecutor:
    pool = _POOLS.get((target, workers))
    if pool is None:
        # spawn: a fork of a process running an event loop and driver threads is unsafe
        pool = ProcessPoolExecutor(
            workers, mp_context=multiprocessing.get_context("spawn"),
            initializer=query_worker.init,
            initargs=(target.uri, target.user, target.password, target.database))
        _POOLS[(target, workers)] = pool
    return pool


def _discard_pool(target: WorkerTarget, workers: int) -> None:
    pool = _POOLS.pop((target, workers), None)
    if pool is not None:
        pool.shutdown(wait=False, cancel_futures=True)


class AnalystService:
    def __init__(self, target: WorkerTarget, timeout_s: float, row_cap: int,
                 byte_cap: int = 16 * 1024 * 1024, workers: int = 2,
                 saved: Mapping[str, SavedQuery] | None = None) -> None:
        self._target = target
        self._timeout_s = timeout_s
        self._row_cap = row_cap
        self.timeout_s = timeout_s  # stated to analysts (the console shows the policy)
        self.row_cap = row_cap
        self._byte_cap = byte_cap
        self._workers = workers
        self.saved = dict(saved if saved is not None else load_saved())

    def _pool(self) -> ProcessPoolExecutor:
        return _shared_pool(self._target, self._workers)

    def close(self) -> None:
        """Stops the worker processes (the next query starts new ones)."""
        _discard_pool(self._target, self._workers)

    async def run(self, query: str, params: Mapping[str, Any] | None = None,
                  as_csv: bool = False) -> QueryResult:
        params = dict(params or {})
        if errors := check_params(params):
            raise ApiError(422, "invalid_request", "; ".join(
                f"{e['field']}: {e['reason']}" for e in errors), errors)
        future = self._pool().submit(query_worker.run_query, query, params, self._timeout_s,
                                     self._row_cap, self._byte_cap, as_csv)
        try:
            async with asyncio.timeout(self._timeout_s + WORKER_GRACE_S):
                outcome = await asyncio.wrap_future(future)
        except TimeoutError:
            raise ApiError(408, "query_timeout", "the query ran past the analyst timeout"
                           ) from None
        except BrokenProcessPool:
            self.close()  # a worker died (e.g. killed for memory); the next call starts anew
            raise ApiError(503, "analyst_unavailable", "the query worker stopped; retry",
                           headers={"Retry-After": "1"}) from None
        if outcome[0] == "error":
            _, status, code, message, field = outcome
            fields = [{"field": field, "reason": message}] if field else []
            headers = {"Retry-After": "5"} if status == 503 else None
            raise ApiError(status, code, message, fields, headers=headers)
        _, body, truncated_by = outcome
        return QueryResult(body, "text/csv" if as_csv else "application/json", truncated_by)

    async def run_saved(self, name: str, params: Mapping[str, Any] | None = None,
                        as_csv: bool = False) -> QueryResult:
        saved = self.saved.get(name)
        if saved is None:
            raise ApiError(404, "not_found", f"no saved query {name!r}")
        return await self.run(saved.text, {**saved.params, **(params or {})}, as_csv)
