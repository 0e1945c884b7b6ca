"""The delivery worker: sends the outbox's deliveries to their destinations.

Every serving process runs one (app/wiring/). Each round, for every active destination, it
claims the deliveries due (one short transaction that locks the destination node, so the
claims of several processes never overlap, and leases the deliveries to this worker), sends
them, and records the outcomes in one more transaction:

- Order: per destination, a profile's deliveries go one after another in `seq` order (a
  chain); a failure stops the chain and holds back the rest until that one is delivered or
  dead. Different profiles are sent concurrently (`PROFILEGRAPH_DELIVERY_CONCURRENCY`).
- Retries: a failed attempt is tried again after `delivery_backoff_s · 2^(attempts-1)`
  (±20 % jitter, at most `delivery_backoff_max_s`); after `delivery_max_attempts` the
  delivery is dead (kept, visible, replayable: POST /v1/destinations/{id}/replay).
- Circuit breaker: `delivery_breaker_failures` failed attempts in a row open it for
  `delivery_breaker_open_s` (nothing is claimed, so attempts are not spent on a target that
  is down); then one delivery probes it, and a success closes it. Kept on the destination
  node: every process sees it.
- Leases: a worker sends nothing once its lease could have run out (it releases what is
  left), so a delivery is sent by one process at a time; a process that dies mid-send leaves
  a lease that expires, and the delivery is sent again (at least once: receivers
  deduplicate by `webhook-id`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import socket
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from app.core.background import cancel_and_wait
from app.core.config import Settings
from app.destinations.delivery_repository import Claim, DeliveryRepository, Outcome
from app.destinations.metrics import (
    DELIVERIES,
    DELIVERIES_DEAD_TOTAL,
    DELIVERIES_SENT,
    DELIVERY_FAILURES,
    DELIVERY_LAG,
    DELIVERY_OLDEST_PENDING,
    DELIVERY_WORKER_FAILURES,
    DESTINATION_BREAKER_OPEN,
)
from app.destinations.senders import Sender
from app.intake.ingest_hooks import IngestedChange

log = logging.getLogger("profilegraph.destinations.worker")
PER_PROFILE = 20  # a profile's deliveries sent in one claim, one after another
GAUGE_INTERVAL_S = 2.0
PRUNE_INTERVAL_S = 3600.0
STATES = ("pending", "retrying", "dead")


def backoff_ms(attempt: int, base_s: float, max_s: float,
               jitter: Callable[[], float] = lambda: random.uniform(0.8, 1.2)) -> int:
    """Wait before the attempt after `attempt` failed ones (1: the first retry)."""
    return int(min(max_s, base_s * 2 ** min(attempt - 1, 30)) * jitter() * 1000)


class DeliveryWorker:
    def __init__(self, repository: DeliveryRepository, senders: dict[str, Sender],
                 settings: Settings, owner: str | None = None) -> None:
        self._repository = repository
        self._senders = senders
        self._s = settings
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._labels: set[str] = set()

    # -- lifecycle ----------------------------------------------------------------------

    async def on_ingest(self, _: IngestedChange) -> None:
        """Ingest listener: a batch may have queued deliveries; look now, not at the poll."""
        self._wake.set()

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="delivery-worker")

    async def stop(self) -> None:
        await cancel_and_wait(self._task)
        self._task = None

    async def close(self) -> None:
        for sender in self._senders.values():
            await sender.close()

    async def _run(self) -> None:
        next_gauges = next_prune = 0.0
        while True:
            sent = 0
            started = time.monotonic()
            try:
                sent = await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                DELIVERY_WORKER_FAILURES.inc()
                log.exception("delivery round failed; retrying")
            now = time.monotonic()
            if now >= next_gauges:
                next_gauges = now + GAUGE_INTERVAL_S
                await self.update_gauges()
            if now >= next_prune:
                next_prune = now + PRUNE_INTERVAL_S
                await self._prune()
            if not sent:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self._s.delivery_poll_s):
                        await self._wake.wait()
                self._wake.clear()
            # rounds at most every delivery_round_s: while changes keep coming (every ingest
            # batch wakes the worker), a round takes what queued since the last one, so
            # claims and finishes are a few larger transactions rather than many small ones
            rest = self._s.delivery_round_s - (time.monotonic() - started)
            if rest > 0:
                await asyncio.sleep(rest)

    # -- one round ----------------------------------------------------------------------

    async def run_once(self) -> int:
        """One claim and its sends per active destination, all at once. Returns the attempts
        made."""
        destinations = await self._repository.active_destinations()
        counts = await asyncio.gather(*(self._serve(d["destination_id"], d["kind"])
                                        for d in destinations), return_exceptions=True)
        for destination, count in zip(destinations, counts, strict=True):
            if isinstance(count, BaseException):
                DELIVERY_WORKER_FAILURES.inc()
                log.error("delivery to %s failed", destination["destination_id"],
                          exc_info=count)
        return sum(c for c in counts if isinstance(c, int))

    async def _serve(self, destination_id: str, kind: str) -> int:
        sender = self._senders.get(kind)
        if sender is None:  # e.g. kafka without PROFILEGRAPH_KAFKA_BOOTSTRAP_SERVERS: wait
            return 0
        s = self._s
        claim = await self._repository.claim(
            destination_id, self.owner, profiles=s.delivery_batch, per_profile=PER_PROFILE,
            lease_ms=int(s.delivery_lease_s * 1000), probe_after=s.delivery_breaker_failures)
        if claim is None:
            return 0
        DESTINATION_BREAKER_OPEN.labels(destination_id).set(1 if claim.breaker_open else 0)
        if not claim.deliveries:
            return 0
        # nothing is sent once the lease may have run out (another worker may claim it then)
        deadline = time.monotonic() + s.delivery_lease_s - s.delivery_timeout_s - 1.0
        outcomes, released = await self._send(sender, claim, deadline)
        finished, breaker = await self._repository.finish(
            destination_id, self.owner, outcomes, released, s.delivery_max_attempts,
            {"threshold": s.delivery_breaker_failures,
             "open_ms": int(s.delivery_breaker_open_s * 1000)},
            {d["delivery_id"]: d["eid"] for d in claim.deliveries})
        self._count(destination_id, outcomes, finished)
        DESTINATION_BREAKER_OPEN.labels(destination_id).set(
            1 if breaker.get("breaker_open") else 0)
        return len(outcomes)

    async def _send(self, sender: Sender, claim: Claim, deadline: float
                    ) -> tuple[list[Outcome], list[str]]:
        destination = claim.destination
        refused = await sender.preflight(destination)
        chains: dict[str, list[dict[str, Any]]] = {}
        for delivery in claim.deliveries:  # in profile, then seq order
            chains.setdefault(delivery["user_id"], []).append(delivery)
        outcomes: list[Outcome] = []
        released: list[str] = []
        slots = asyncio.Semaphore(self._s.delivery_concurrency)

        async def run(chain: list[dict[str, Any]]) -> None:
            async with slots:
                for i, delivery in enumerate(chain):
                    if time.monotonic() > deadline:
                        released.extend(d["delivery_id"] for d in chain[i:])
                        return
                    outcome = (Outcome(delivery["delivery_id"], False, error=refused)
                               if refused else await sender.send(destination, delivery))
                    outcomes.append(outcome)
                    if not outcome.ok:
                        outcome.delay_ms = backoff_ms(int(delivery["attempts"]) + 1,
                                                      self._s.delivery_backoff_s,
                                                      self._s.delivery_backoff_max_s)
                        released.extend(d["delivery_id"] for d in chain[i + 1:])
                        return

        await asyncio.gather(*(run(chain) for chain in chains.values()))
        return outcomes, released

    def _count(self, destination_id: str, outcomes: list[Outcome],
               finished: list[dict[str, Any]]) -> None:
        ok = sum(o.ok for o in outcomes)
        DELIVERIES_SENT.labels(destination_id).inc(ok)
        DELIVERY_FAILURES.labels(destination_id).inc(len(outcomes) - ok)
        now_ms = time.time() * 1000
        for row in finished:
            if row["state"] == "delivered" and row.get("created_ms") is not None:
                DELIVERY_LAG.observe(max(0.0, (now_ms - row["created_ms"]) / 1000))
            elif row["state"] == "dead":
                DELIVERIES_DEAD_TOTAL.labels(destination_id).inc()
                log.warning("delivery %s to %s is dead after its last attempt", row["id"],
                            destination_id)

    # -- gauges and pruning -------------------------------------------------------------

    async def update_gauges(self) -> None:
        try:
            rows = await self._repository.counts()
        except Exception:
            log.warning("could not read the delivery gauges", exc_info=True)
            return
        seen = set()
        for row in rows:
            label = row["destination_id"]
            seen.add(label)
            for state in STATES:
                DELIVERIES.labels(label, state).set(row[state])
            DELIVERY_OLDEST_PENDING.labels(label).set(row["oldest_pending_s"])
            DESTINATION_BREAKER_OPEN.labels(label).set(1 if row["breaker_open"] else 0)
        for gone in self._labels - seen:  # deleted destinations leave the page
            for state in STATES:
                with contextlib.suppress(KeyError):
                    DELIVERIES.remove(gone, state)
            for gauge in (DELIVERY_OLDEST_PENDING, DESTINATION_BREAKER_OPEN):
                with contextlib.suppress(KeyError):
                    gauge.remove(gone)
        self._labels = seen

    async def _prune(self) -> None:
        before = datetime.now(UTC) - timedelta(days=self._s.delivery_retention_days)
        try:
            pruned = await self._repository.prune(before)
            if pruned:
                log.info("pruned %d delivered deliveries", pruned)
        except Exception:
            log.warning("delivery pruning failed (the next pass retries)", exc_info=True)
