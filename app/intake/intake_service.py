"""Event intake: validate a batch, write it in one transaction, tell listeners after commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from app.core.config import Settings
from app.core.errors import ApiError
from app.core.pii_seal import Seal
from app.intake.batch_plan import Known, Plan, build_plan
from app.intake.field_types import BATCH_SHARED, wrong_type
from app.intake.group_commit import GroupCommit
from app.intake.identity_resolver import identity_keys
from app.intake.ingest_hooks import IngestedChange, IngestHooks
from app.intake.intake_repository import IntakeRepository, StalePlan
from app.intake.messages import Message, MessageError, parse_message
from app.intake.suppression import REASON as SUPPRESSED
from app.intake.suppression import Suppression

MAX_MESSAGE_BYTES = 32 * 1024
MAX_BATCH_BYTES = 500 * 1024
MAX_BATCH_MESSAGES = 2500
# Batches this small are group-committed with concurrent ones; larger batches already pay
# their transaction's fixed costs over many events, and gain more from running in parallel.
GROUP_BELOW = 250


@dataclass(frozen=True)
class BatchOutcome:
    stored: int  # messages applied (events stored, identify/alias/consent applied)
    duplicates: int
    dropped: list[tuple[str, str]]
    events: int = 0  # new Event nodes

    def as_body(self) -> dict[str, Any]:
        return {
            "success": True, "stored": self.stored, "duplicates": self.duplicates,
            "dropped": len(self.dropped),
            "dropped_reasons": dict(sorted(_count(self.dropped).items())),
            "dropped_messages": [{"messageId": mid, "reason": why} for mid, why in self.dropped],
        }


def _count(dropped: list[tuple[str, str]]) -> dict[str, int]:
    out: dict[str, int] = {}
    for _, reason in dropped:
        out[reason] = out.get(reason, 0) + 1
    return out


def invalid(field: str, reason: str) -> ApiError:
    return ApiError(422, "invalid_request", f"{field}: {reason}", [{"field": field,
                                                                   "reason": reason}])


def too_large(message: str, field: str) -> ApiError:
    return ApiError(413, "payload_too_large", message, [{"field": field, "reason": message}])


def parse_batch(body: Any, received_at: datetime, body_size: int,
                scrub: bool = True) -> list[Message]:
    """Messages of a `/v1/batch` body; the whole batch is refused if one message is invalid.
    `scrub=False`: validation only (messages/parse_message), for Kafka mode."""
    if not isinstance(body, dict):
        raise invalid("body", "must be a JSON object with a 'batch' array")
    raw = body.get("batch")
    if not isinstance(raw, list):
        raise invalid("batch", "must be an array of messages")
    if not raw:
        raise invalid("batch", "must hold at least one message")
    if len(raw) > MAX_BATCH_MESSAGES:
        raise too_large(f"a batch holds at most {MAX_BATCH_MESSAGES} messages", "batch")
    wrong = wrong_type(body, BATCH_SHARED)
    if wrong is not None:
        raise invalid(*wrong)
    check_sizes = body_size > MAX_MESSAGE_BYTES  # a smaller body cannot hold a large message
    # Batch-level context/timestamps (Segment allows them) apply to every message.
    shared = {k: body[k] for k in ("context", "sentAt") if k in body}
    messages = []
    for i, msg in enumerate(raw):
        if check_sizes and len(orjson.dumps(msg)) > MAX_MESSAGE_BYTES:
            raise too_large(f"batch[{i}] is larger than 32 KB", f"batch.{i}")
        if shared and isinstance(msg, dict):
            msg = {**shared, **msg}
        try:
            messages.append(parse_message(msg, i, received_at, prefix=f"batch.{i}.",
                                          scrub=scrub))
        except MessageError as exc:
            raise invalid(exc.field, exc.reason) from None
    return messages


def parse_single(body: Any, mtype: str, received_at: datetime,
                 scrub: bool = True) -> list[Message]:
    if isinstance(body, dict) and body.get("type") not in (None, mtype):
        raise invalid("type", f"must be '{mtype}' on /v1/{mtype}")
    try:
        return [parse_message(body, 0, received_at, default_type=mtype, scrub=scrub)]
    except MessageError as exc:
        raise invalid(exc.field, exc.reason) from None


def outcome_of(plan: Plan, messages: list[Message]) -> BatchOutcome:
    """The outcome of these messages within the plan that wrote them."""
    stored = duplicates = events = 0
    dropped: list[tuple[str, str]] = []
    for m in messages:
        result = plan.outcome.get(m.index, "stored")
        if result == "stored":
            stored += 1
            events += m.behavioural
        elif result == "duplicate":
            duplicates += 1
        else:
            dropped.append((m.message_id, result))
    return BatchOutcome(stored, duplicates, dropped, events)


class IntakeService:
    def __init__(self, repository: IntakeRepository, hooks: IngestHooks, settings: Settings,
                 seal: Seal | None = None, group_commit: bool = False) -> None:
        self._repository = repository
        self._hooks = hooks
        self._settings = settings  # the consent policy is read per batch
        self._seal = seal
        self._group = GroupCommit(self._write_events) if group_commit else None

    async def ingest(self, messages: list[Message], received_at: datetime | None = None,
                     source: str = "event") -> BatchOutcome:
        if self._group is not None and source == "event" and len(messages) < GROUP_BELOW:
            plan, mine = await self._group.submit(messages)
            return outcome_of(plan, mine)
        plan = await self.write(messages, received_at or datetime.now(UTC), source)
        return outcome_of(plan, messages)

    async def _write_events(self, messages: list[Message]) -> Plan:
        return await self.write(messages, datetime.now(UTC), "event")

    async def write(self, messages: list[Message], now: datetime, source: str) -> Plan:
        """One transaction for these messages; listeners hear of it after the commit."""
        keys = [{"kind": k, "value": v} for k, v in identity_keys(messages)]
        event_ids = list({m.message_id for m in messages if m.behavioural})
        receipt_ids = list({m.message_id for m in messages if not m.behavioural})

        default_granted = self._settings.consent_default == "opt_out"
        suppression = Suppression(messages)

        def planner(known: Known) -> Plan:
            # messages naming an erased person take no part in the batch (GDPR suppression,
            # read from the graph in this transaction)
            kept, erased = suppression.split(messages, known.erased)
            plan = build_plan(kept, known, now, default_granted, source, self._seal)
            for m in erased:
                plan.outcome[m.index] = SUPPRESSED
            return plan

        try:
            plan = await self._repository.write_batch(keys, event_ids, receipt_ids, planner,
                                                     now, suppression.hashes)
        except StalePlan:  # planned again CONFLICT_RETRIES times, moved under it each time
            raise ApiError(503, "busy", "Concurrent batches kept changing these profiles; "
                           "nothing was written. Retry.",
                           headers={"Retry-After": "1"}) from None
        if plan.types_by_user or plan.merged:
            await self._hooks.notify(IngestedChange(
                {u: frozenset(t) for u, t in plan.types_by_user.items()}, dict(plan.merged),
                membership_work=plan.membership_work))
        return plan
