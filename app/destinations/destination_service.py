"""Destinations: where segment, trait and event changes are delivered (the rules).

A destination is a webhook URL (signed per Standard Webhooks) or a Kafka topic, with the
changes it subscribes to. Its subscriptions are stored flat on the node so the outbox
statements, which run inside the transactions that make the changes, can match them with
no lookup in the service (docs/destinations.md).
"""

from __future__ import annotations

import base64
import secrets
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import orjson

from app.core.config import Settings
from app.core.errors import ApiError
from app.destinations.destination_repository import DestinationRepository, DuplicateDestination
from app.destinations.schemas import (
    EVERY,
    TOPIC,
    Breaker,
    Delivery,
    DeliveryCounts,
    DeliveryState,
    Destination,
    DestinationIn,
    DestinationKind,
    DestinationPatch,
    ReplayRequest,
    Subscriptions,
)
from app.destinations.target_guard import TargetRefused, check_target, parse_networks
from app.intake.messages import snake_case
from app.segments.referrers import SegmentsGone


def _utcnow() -> datetime:
    return datetime.now(UTC)


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def flatten(subscriptions: Subscriptions) -> dict[str, Any]:
    """The node's subscription lists (what the outbox statements match on)."""
    seg = subscriptions.segments
    segment_ids = [] if seg is None else ([EVERY] if EVERY in seg.ids else list(seg.ids))
    traits = subscriptions.traits
    return {
        "segment_ids": segment_ids,
        "segment_changes": [] if seg is None else sorted(set(seg.changes)),
        "trait_keys": [EVERY] if EVERY in traits else sorted({"trait_" + t for t in traits}),
        "event_types": sorted({snake_case(e) for e in subscriptions.events} - {""}),
        "subscriptions": orjson.dumps(subscriptions.model_dump(exclude_none=True)).decode(),
    }


def _field_error(field: str, reason: str, status: int = 422) -> ApiError:
    """`field`: a JSON pointer into the body, as the route's own validation names fields."""
    return ApiError(status, "invalid_request", f"{field}: {reason}",
                    [{"field": field, "reason": reason}])


def _refuse_missing(subscriptions: Subscriptions, missing: list[str]) -> None:
    if missing and subscriptions.segments is not None:
        index = subscriptions.segments.ids.index(missing[0])  # as sent, "*" included
        raise _field_error(f"/subscriptions/segments/ids/{index}", f"no segment {missing[0]!r}")


class DestinationService:
    def __init__(self, repository: DestinationRepository, settings: Settings,
                 clock: Callable[[], datetime] = _utcnow) -> None:
        self._repository = repository
        self._settings = settings
        self._allowed = parse_networks(settings.destination_allow_networks)
        self._clock = clock

    @property
    def allowed_networks(self) -> list:
        return self._allowed

    async def _check_target(self, kind: DestinationKind, target: str) -> None:
        if kind is DestinationKind.webhook:
            try:
                await check_target(target, self._allowed)
            except TargetRefused as exc:
                raise _field_error("/target", str(exc)) from None
        else:
            if not TOPIC.match(target):
                raise _field_error("/target", "a Kafka topic name: 1-249 of A-Z a-z 0-9 . _ -")
            if not self._settings.kafka_bootstrap_servers:
                raise _field_error("/kind", "Kafka is not configured "
                                           "(PROFILEGRAPH_KAFKA_BOOTSTRAP_SERVERS)")

    async def _check_segments(self, subscriptions: Subscriptions) -> None:
        if subscriptions.segments is None:
            return
        ids = [s for s in subscriptions.segments.ids if s != EVERY]
        _refuse_missing(subscriptions, sorted(
            set(ids) - await self._repository.existing_segments(ids)))

    async def create(self, body: DestinationIn) -> Destination:
        await self._check_target(body.kind, body.target)
        await self._check_segments(body.subscriptions)
        destination_id = body.id or "dst_" + uuid.uuid4().hex[:16]
        secret = new_secret() if body.kind is DestinationKind.webhook else None
        try:
            row = await self._repository.create(
                id=destination_id, name=body.name, kind=body.kind.value, target=body.target,
                secret=secret, active=body.active, now=self._clock(),
                **flatten(body.subscriptions))
        except DuplicateDestination:
            raise ApiError(409, "conflict", f"destination {destination_id!r} exists") from None
        except SegmentsGone as exc:  # deleted since _check_segments: found under its lock
            _refuse_missing(body.subscriptions, exc.missing)
            raise
        return self._answer(row, {}, with_secret=True)

    async def get(self, destination_id: str) -> Destination:
        row = await self._repository.get(destination_id)
        if row is None:
            raise ApiError(404, "not_found", f"no destination {destination_id!r}")
        counts = await self._repository.counts([destination_id])
        return self._answer(row, counts.get(destination_id, {}))

    async def list_all(self) -> list[Destination]:
        rows = await self._repository.list_all()
        counts = await self._repository.counts()
        return [self._answer(r, counts.get(r["destination_id"], {})) for r in rows]

    async def update(self, destination_id: str, patch: DestinationPatch) -> Destination:
        current = await self._repository.get(destination_id)
        if current is None:
            raise ApiError(404, "not_found", f"no destination {destination_id!r}")
        changes: dict[str, Any] = {}
        if patch.name is not None:
            changes["name"] = patch.name
        if patch.active is not None:
            changes["active"] = patch.active
        if patch.target is not None:
            await self._check_target(DestinationKind(current["kind"]), patch.target)
            changes["target"] = patch.target
        if patch.subscriptions is not None:
            await self._check_segments(patch.subscriptions)
            changes.update(flatten(patch.subscriptions))
        rotated = patch.rotate_secret and current["kind"] == DestinationKind.webhook
        if rotated:
            changes["secret"] = new_secret()
        try:
            row = await self._repository.update(destination_id, changes, self._clock())
        except SegmentsGone as exc:  # deleted since _check_segments: found under its lock
            if patch.subscriptions is not None:
                _refuse_missing(patch.subscriptions, exc.missing)
            raise
        if row is None:
            raise ApiError(404, "not_found", f"no destination {destination_id!r}")
        counts = await self._repository.counts([destination_id])
        return self._answer(row, counts.get(destination_id, {}), with_secret=rotated)

    async def delete(self, destination_id: str) -> None:
        if not await self._repository.delete(destination_id):
            raise ApiError(404, "not_found", f"no destination {destination_id!r}")

    async def deliveries(self, destination_id: str, state: DeliveryState | None = None,
                         limit: int = 50) -> list[Delivery]:
        await self.get(destination_id)  # 404 for an unknown id
        rows = await self._repository.deliveries(destination_id,
                                                 state.value if state else None, limit)
        return [Delivery(id=r["delivery_id"], **{k: r.get(k) for k in Delivery.model_fields
                                                 if k != "id"}) for r in rows]

    async def replay(self, destination_id: str, request: ReplayRequest) -> int:
        await self.get(destination_id)
        if request.to is not None and request.to <= request.from_:
            raise _field_error("/to", "must be after `from`")
        return await self._repository.replay(destination_id, list(request.states),
                                             request.from_, request.to)

    def _answer(self, row: dict[str, Any], counts: dict[str, Any],
                with_secret: bool = False) -> Destination:
        until = row.get("breaker_until")
        failures = int(row.get("failures") or 0)
        is_open = until is not None and until > self._clock()
        return Destination(
            id=row["destination_id"], name=row["name"], kind=row["kind"],
            target=row["target"], subscriptions=orjson.loads(row["subscriptions"]),
            active=row["active"], created_at=row.get("created_at"),
            updated_at=row.get("updated_at"),
            breaker=Breaker(open=is_open, consecutive_failures=failures,
                            open_until=until if is_open else None),
            deliveries=DeliveryCounts(**{k: int(counts.get(k) or 0)
                                         for k in DeliveryCounts.model_fields}),
            secret=row.get("secret") if with_secret else None)
