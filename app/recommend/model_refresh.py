"""The model follows the store: a background job of every API process that rebuilds the
training-free model when the store has changed enough (`refresh_policy`), validates it,
promotes it only when it beats the serving model on the same split (`recmodel.promotion`,
inside build-model), and lets the model poller hot-reload it.

Why in the API process, not a worker of its own: it needs nothing a serving process lacks
(the graph and the artifacts directory it already polls), so `make run`, `profilegraph
serve`, Docker and every replica get it with no second process to start, supervise and
stop. Several processes (uvicorn workers, replicas) coordinate through the graph: the
refresh state and a lease live on one `(:ModelRefresh)` node, taken by compare-and-set, so
one build runs at a time and a build is never repeated by a process that decided on the
same state. The build itself runs as `profilegraph build-model` in a subprocess at a lower
CPU priority (`build_runner`): serving imports no trainer module, and the build's CPU and
memory never stall the event loop. A process that dies mid-build leaves a lease that
expires after `model_refresh_timeout_s`; a failed build is counted and retried.
"""

from __future__ import annotations

import asyncio
import importlib.util
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from app.core import metrics
from app.core.config import Settings
from app.recommend.build_runner import BuildOutcome, run_build
from app.recommend.model_refresh_repository import ModelRefreshRepository
from app.recommend.model_store import ModelStore
from app.recommend.refresh_policy import Decision, RefreshPolicy, RefreshState, decide
from recmodel.artifact_format import current_version

log = logging.getLogger("profilegraph.model_refresh")
OUTCOMES = ("promoted", "kept", "empty", "failed")
Runner = Callable[[Settings, str, float], Awaitable[BuildOutcome]]


def _utcnow() -> datetime:
    return datetime.now(UTC)


def full_build_available() -> bool:
    """The searched filter family needs the train extra; looked up, never imported here."""
    return all(importlib.util.find_spec(m) is not None for m in ("torch", "torch_geometric"))


def full_builds_note(available: bool, interval_s: float) -> str:
    """What the refresh builds in this install, said where `last_full_at` is read."""
    if not available:
        return ("not in this install: the train extra (torch, torch-geometric) is not "
                "installed, so every build is a quick one (GF-CF, Turbo-CF), which is every "
                "family this install can build; last_full_at stays empty "
                "(pip install -e '.[train]' to add the searched filter family)")
    if interval_s <= 0:
        return "off (PROFILEGRAPH_MODEL_REFRESH_FULL_INTERVAL_S=0): quick builds only"
    return (f"at most every {interval_s:.0f} s, in place of a quick build (the searched "
            "filter family; the train extra is installed)")


@dataclass(frozen=True)
class RefreshStatus:
    enabled: bool
    policy: dict[str, Any]
    events: int
    items: int
    new_events: int
    new_items: int
    running: bool
    decision: str  # what the last check decided, and why
    last: dict[str, Any]  # the last build: when, how long, CPU, outcome, reason, version
    full_builds: str = ""  # whether this install makes full builds, and how often

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class ModelRefresh:
    def __init__(self, settings: Settings, repository: ModelRefreshRepository,
                 models: ModelStore, runner: Runner = run_build,
                 clock: Callable[[], datetime] = _utcnow) -> None:
        self._settings = settings
        self._repository = repository
        self._models = models
        self._runner = runner
        self._clock = clock
        self._owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self._last_decision = "not checked yet"
        self._seen: tuple[int, int] | None = None  # the counts last seen, and since when
        self._seen_since = clock()

    def policy(self) -> RefreshPolicy:
        s = self._settings
        return RefreshPolicy(s.model_refresh_min_new_events, s.model_refresh_min_new_items,
                             s.model_refresh_max_age_s, s.model_refresh_cooldown_s,
                             s.model_refresh_full_interval_s, s.model_refresh_settle_s)

    async def state(self) -> RefreshState:
        snap = await self._repository.snapshot()
        has_model = await asyncio.to_thread(current_version, self._settings.artifacts_dir)
        now = self._clock()
        if self._seen != (snap.events, snap.items):
            self._seen, self._seen_since = (snap.events, snap.items), now
        state = RefreshState.of(snap.events, snap.items, has_model is not None, snap.node,
                                (now - self._seen_since).total_seconds())
        _export(state, snap.node or {})
        return state

    async def status(self) -> RefreshStatus:
        snap = await self._repository.snapshot()
        node = snap.node or {}
        state = RefreshState.of(snap.events, snap.items, True, node)
        running = state.lease_until is not None and state.lease_until > self._clock()
        last = {k: node.get(k) for k in ("started_at", "finished_at", "duration_s", "cpu_s",
                                         "outcome", "reason", "version", "kind", "builds",
                                         "failures", "last_full_at")}
        return RefreshStatus(self._settings.model_refresh_interval_s > 0,
                             {**asdict(self.policy()),
                              "interval_s": self._settings.model_refresh_interval_s},
                             state.events, state.items, state.new_events, state.new_items,
                             running, self._last_decision, last,
                             full_builds_note(full_build_available(),
                                              self._settings.model_refresh_full_interval_s))

    async def check_once(self) -> Decision:
        """Decide on the graph's state; build when it says so and the lease is ours."""
        state = await self.state()
        now = self._clock()
        decision = decide(state, self.policy(), now, full_build_available())
        self._last_decision = f"{now:%Y-%m-%d %H:%M:%S} UTC: " + (
            f"build ({decision.kind}): {decision.why}" if decision.build else decision.why)
        if not decision.build:
            return decision
        timeout = self._settings.model_refresh_timeout_s
        if not await self._repository.take_lease(
                self._owner, now, now + timedelta(seconds=timeout + 60), state.started_at,
                state.events, state.items, decision.kind):
            self._last_decision += " (another process took the build)"
            return Decision(False, "another process took the build")
        log.info("model refresh: building (%s): %s", decision.kind, decision.why)
        outcome = BuildOutcome("failed", "interrupted: the serving process stopped")
        try:
            outcome = await self._runner(self._settings, decision.kind, timeout)
        except Exception as exc:  # recorded as a failed build, retried after the cooldown
            outcome = BuildOutcome("failed", f"the build could not run: {exc!r}"[:500])
        finally:
            await asyncio.shield(self._finish(outcome, decision.kind))
        log.info("model refresh: %s in %.1f s: %s", outcome.outcome, outcome.seconds,
                 outcome.reason)
        if outcome.outcome == "promoted":
            await asyncio.to_thread(self._models.reload_if_changed)  # this process at once
        return decision

    async def _finish(self, outcome: BuildOutcome, kind: str) -> None:
        metrics.MODEL_REFRESH_BUILDS.labels(outcome.outcome, kind).inc()
        await self._repository.finish(self._owner, self._clock(), outcome.outcome,
                                      outcome.reason, outcome.version,
                                      round(outcome.seconds, 2), outcome.cpu_s, kind)
        await self.state()  # the gauges follow at once

    async def run(self, interval_s: float) -> None:
        """Checks every `interval_s` until cancelled; a failed check is counted and retried."""
        while True:
            try:
                await self.check_once()
            except Exception:
                metrics.MODEL_REFRESH_CHECK_FAILURES.inc()
                log.exception("model refresh check failed")
            await asyncio.sleep(interval_s)


def _export(state: RefreshState, node: dict[str, Any]) -> None:
    finished = node.get("finished_at")
    metrics.MODEL_REFRESH_LAST_BUILD.set(finished.timestamp() if finished else 0)
    metrics.MODEL_REFRESH_DURATION.set(float(node.get("duration_s") or 0))
    metrics.MODEL_REFRESH_CPU.set(float(node.get("cpu_s") or 0))
    for outcome in OUTCOMES:
        metrics.MODEL_REFRESH_OUTCOME.labels(outcome).set(int(node.get("outcome") == outcome))
    metrics.MODEL_REFRESH_EVENTS_SINCE.set(state.new_events)
    metrics.MODEL_REFRESH_ITEMS_SINCE.set(state.new_items)
