"""Turns one batch of parsed messages plus what the database knows into the writes to make.

Pure (no I/O): the repository looks up identities, consent and existing event ids inside the
write transaction, hands them here, and executes the plan in the same transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson

from app.intake.aggregates import UserDelta
from app.intake.ecommerce import ORDER_EVENT, PRODUCT_KEYS, order_revenue, product_lines
from app.intake.identity_resolver import IdentityResolver, Profile
from app.intake.messages import PURPOSES, Message, epoch_ms, scalar_properties


@dataclass(frozen=True)
class Known:
    """What the database holds about the batch's identities and events."""

    bound: dict[tuple[str, str], str]  # (kind, value) -> user_id
    consent: dict[str, dict[str, str]]  # user_id -> purpose -> status
    existing_events: set[str]
    # identify/alias/group messageIds already applied (a replay counts them as duplicates)
    seen_messages: set[str] = field(default_factory=set)
    # the batch's identity hashes on the suppression list (people erased)
    erased: set[str] = field(default_factory=set)


@dataclass
class Plan:
    renames: list[dict[str, Any]] = field(default_factory=list)
    users: list[dict[str, Any]] = field(default_factory=list)
    merges: list[dict[str, Any]] = field(default_factory=list)
    binds: list[dict[str, Any]] = field(default_factory=list)
    consent: list[dict[str, Any]] = field(default_factory=list)
    items: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    # outcome: message index -> "stored", "duplicate" or the reason it was dropped
    outcome: dict[int, str] = field(default_factory=dict)
    stored: int = 0
    duplicates: int = 0
    dropped: list[tuple[str, str]] = field(default_factory=list)  # (messageId, reason)
    types_by_user: dict[str, set[str]] = field(default_factory=dict)
    merged: dict[str, str] = field(default_factory=dict)
    receipts: list[str] = field(default_factory=list)  # non-behavioural messageIds applied
    membership_work: bool = False  # segment-membership work recorded on the profiles


def _state(profile: Profile, known: Known, losers: dict[Profile, list[Profile]]) -> dict[str, str]:
    # The surviving profile's own consent wins; merged-in profiles fill what it lacks.
    state: dict[str, str] = {}
    for p in [profile, *losers.get(profile, [])]:
        if p.db_id is not None:
            for purpose, status in known.consent.get(p.db_id, {}).items():
                state.setdefault(purpose, status)
    return state


def build_plan(messages: list[Message], known: Known, received_at: datetime,
               default_granted: bool, source: str,
               seal: Callable[[str], str] | None = None) -> Plan:
    plan = Plan()
    resolution = IdentityResolver(known.bound).resolve(messages)
    losers: dict[Profile, list[Profile]] = {}
    for op in resolution.merges:
        losers.setdefault(op.loser.root(), []).append(op.loser)
    states: dict[Profile, dict[str, str]] = {}
    needed: set[Profile] = set()
    seen_ids: set[str] = set()
    traits: dict[Profile, dict[str, Any]] = {}
    kept: list[tuple[Message, Profile]] = []

    for m in messages:
        root = resolution.profile_of[m.index].root()
        if not m.behavioural:
            if m.message_id in known.seen_messages or m.message_id in seen_ids:
                plan.duplicates += 1
                plan.outcome[m.index] = "duplicate"
                continue
            seen_ids.add(m.message_id)
            plan.receipts.append(m.message_id)
        if m.type == "group":
            plan.dropped.append((m.message_id, "unsupported_type"))
            plan.outcome[m.index] = "unsupported_type"
            continue
        if m.behavioural and (m.message_id in known.existing_events or m.message_id in seen_ids):
            plan.duplicates += 1
            plan.outcome[m.index] = "duplicate"
            continue
        seen_ids.add(m.message_id)
        state = states.get(root)
        if state is None:
            state = states[root] = _state(root, known, losers)
        for purpose, granted in m.consent.items():
            status = "granted" if granted else "denied"
            if state.get(purpose) != status:
                state[purpose] = status
                plan.consent.append({"profile": root, "purpose": purpose, "status": status,
                                     "at": epoch_ms(m.ts), "source": source})
                needed.add(root)
        if m.behavioural and state.get("analytics", "granted" if default_granted else "denied") \
                != "granted":
            plan.dropped.append((m.message_id, "no_analytics_consent"))
            plan.outcome[m.index] = "no_analytics_consent"
            continue
        needed.add(root)
        plan.stored += 1
        plan.outcome[m.index] = "stored"
        if m.type == "identify":
            traits.setdefault(root, {}).update(m.traits)
        if m.behavioural:
            kept.append((m, root))

    for op in resolution.merges:
        if op.loser.db_id is not None:
            needed.add(op.loser.root())
    if default_granted:
        for root in needed:  # profiles whose every message was a duplicate
            if root not in states:
                states[root] = _state(root, known, losers)
        _materialize_defaults(plan, needed, states, received_at)

    for p in resolution.profiles:
        if p.parent is None and p.db_id is not None and p.db_id != p.user_id:
            plan.renames.append(_merge_record(p.db_id, p.user_id, received_at, p.renamed_by or
                                              "identify", "anonymous profile identified"))
            plan.merged[p.db_id] = p.user_id
    for root in needed:
        plan.users.append({"user_id": root.user_id, "traits": traits.get(root, {}),
                           "new": root.db_id is None})
    for op in resolution.merges:
        if op.loser.db_id is not None:
            to = op.loser.root().user_id
            plan.merges.append(_merge_record(op.loser.db_id, to, received_at, op.via, op.reason))
            plan.merged[op.loser.db_id] = to
    secrets: dict[tuple[str, str], str] = {}
    if seal is not None:
        for m in messages:
            secrets.update(m.identity_values)
    for key, profile in resolution.binds.items():
        root = profile.root()
        if root in needed or root.db_id is not None:
            secret = secrets.get(key)
            plan.binds.append({"kind": key[0], "value": key[1], "user_id": root.user_id,
                               "sealed": seal(secret) if seal and secret else None})
    for change in plan.consent:
        change["user_id"] = change.pop("profile").user_id
        _touch(plan, change["user_id"], "consent")
    # Purpose nodes are shared by every batch: link them in one order (stable, so the changes
    # of one user and purpose keep their message order).
    plan.consent.sort(key=lambda c: (c["purpose"], c["user_id"]))

    for m in messages:
        root = resolution.profile_of[m.index].root()
        if m.type in ("identify", "alias") and root in needed:
            _touch(plan, root.user_id, "identify")
    _events(plan, kept, received_at)
    return plan


def _materialize_defaults(plan: Plan, needed: set[Profile],
                          states: dict[Profile, dict[str, str]], at: datetime) -> None:
    """Under opt-out, a new profile gets explicit `granted` edges (source `default`) for the
    purposes it did not decide on, so readers such as the GNN export can rely on
    `CONSENTED {status: 'granted'}` alone, whatever the policy."""
    for root in needed:
        if root.db_id is not None:
            continue
        state = states[root]
        for purpose in PURPOSES:
            if purpose not in state:
                state[purpose] = "granted"
                plan.consent.append({"profile": root, "purpose": purpose, "status": "granted",
                                     "at": epoch_ms(at), "source": "default"})


def _merge_record(src: str, dst: str, at: datetime, via: str, reason: str) -> dict[str, Any]:
    return {"from": src, "to": dst, "merge_id": str(uuid.uuid4()), "at": at, "via": via,
            "reason": reason}


def _touch(plan: Plan, user_id: str, kind: str) -> None:
    plan.types_by_user.setdefault(user_id, set()).add(kind)


def _events(plan: Plan, kept: list[tuple[Message, Profile]], received_at: datetime) -> None:
    deltas: dict[str, UserDelta] = {}
    items: dict[str, dict[str, Any]] = {}
    for m, root in kept:
        event_type = m.event_type or m.type
        lines = product_lines(event_type, m.properties) if m.type == "track" else []
        for line in lines:
            items.setdefault(line.item_id, {}).update(line.item)
        props = scalar_properties(m.properties, PRODUCT_KEYS if lines else frozenset())
        props.update({"event_id": m.message_id, "type": event_type,
                      "properties_json": orjson.dumps(m.properties).decode()})
        if m.name is not None:
            props["name"] = m.name
        plan.events.append({
            # seq: the position in the write (arrival order), which orders events of one
            # write that share a timestamp (a batch sent without timestamps)
            "user_id": root.user_id, "props": props, "ts": epoch_ms(m.ts), "seq": m.index,
            "lines": [{"item_id": x.item_id, "quantity": x.quantity, "price": x.price,
                       "position": x.position} for x in lines],
        })
        revenue = order_revenue(m.properties, lines) if event_type == ORDER_EVENT else None
        delta = deltas.get(root.user_id)
        if delta is None:
            delta = deltas[root.user_id] = UserDelta(root.user_id)
        delta.add(event_type, m.ts, revenue)
        _touch(plan, root.user_id, event_type)
    plan.items = [{"item_id": k, "props": {key: v for key, v in p.items() if key != "category"},
                   "category": p.get("category")} for k, p in items.items()]
    for user in plan.users:
        delta = deltas.get(user["user_id"])
        user["delta"] = delta.as_param() if delta is not None else None
