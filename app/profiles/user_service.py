"""Profile reads, the event timeline, GDPR export and erasure."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from app.core.config import Settings
from app.core.cursor import decode_cursor, encode_cursor, invalid_cursor
from app.core.errors import ApiError
from app.core.numbers import cents
from app.core.pii_seal import Open
from app.intake.ingest_hooks import IngestedChange, IngestHooks
from app.intake.messages import PURPOSES
from app.profiles.schemas import (
    Computed,
    ConsentState,
    ConsentStatus,
    ErasureReceipt,
    EventOut,
    EventsPage,
    Predictions,
    Profile,
    Rfm,
)
from app.profiles.user_repository import UserRepository

EXPORT_PAGE = 1000


def _event_after(cursor: str) -> tuple[datetime, str]:
    """The (ts, event_id) of the last event on the previous page."""
    ts, event_id = decode_cursor(cursor, 2)
    try:
        return datetime.fromisoformat(ts), event_id
    except ValueError:
        raise invalid_cursor() from None


def consent_state(user_id: str, rows: list[dict[str, Any]], default_policy: str) -> ConsentState:
    explicit = {r["purpose"]: r for r in rows if r.get("purpose")}
    default = "granted" if default_policy == "opt_out" else "denied"
    purposes = {}
    for purpose in PURPOSES:
        row = explicit.get(purpose)
        purposes[purpose] = (
            ConsentStatus(status=row["status"], explicit=True, at=row["at"], source=row["source"])
            if row else ConsentStatus(status=default, explicit=False))
    return ConsentState(user_id=user_id, default_policy=default_policy, purposes=purposes)  # type: ignore[arg-type]


def _profile(data: dict[str, Any], default_policy: str) -> Profile:
    user = data["user"]
    traits = {k[len("trait_"):]: v for k, v in user.items() if k.startswith("trait_")}
    counts = {k[len("count_"):]: v for k, v in user.items() if k.startswith("count_")}
    computed = Computed(
        first_seen=user.get("first_seen"), last_seen=user.get("last_seen"),
        event_count=user.get("event_count", 0), counts=counts,
        order_count=user.get("order_count", 0), revenue_total=cents(user.get("revenue_total", 0.0)),
        last_order_at=user.get("last_order_at"),
        rfm=Rfm(recency_days=user.get("rfm_recency_days"), frequency=user.get("order_count", 0),
                monetary=cents(user.get("revenue_total", 0.0)), r=user.get("rfm_r"),
                f=user.get("rfm_f"), m=user.get("rfm_m")),
        engagement_score=user.get("engagement_score", 0.0),
        engagement_at=user.get("engagement_at"),
    )
    return Profile(
        user_id=user["user_id"], created_at=user.get("created_at"),
        updated_at=user.get("updated_at"), traits=traits, identities=data["identities"],
        consent=consent_state(user["user_id"], data["consent"], default_policy),
        computed=computed,
        predictions=Predictions(
            purchase_30d=user.get("pred_purchase_30d"), value_90d=cents(user.get("pred_value_90d")),
            cluster=user.get("cluster"), cluster_label=user.get("cluster_label"),
            scored_at=user.get("pred_at")),
        segments=[s for s in data["segments"] if s.get("segment_id")],
        merges=sorted(data["merges"], key=lambda m: m["at"]),
    )


class UserService:
    def __init__(self, repository: UserRepository, hooks: IngestHooks, settings: Settings,
                 open_: Open | None = None) -> None:
        self._repository = repository
        self._hooks = hooks
        self._settings = settings  # the consent policy is read per request
        self._open = open_

    async def resolve(self, id_: str) -> str:
        user_id = await self._repository.resolve(id_)
        if user_id is None:
            raise ApiError(404, "not_found", f"no profile for user id '{id_}'")
        return user_id

    async def profile(self, id_: str) -> Profile:
        user_id = await self.resolve(id_)
        data = await self._repository.profile(user_id)
        if data is None:  # erased between the two reads
            raise ApiError(404, "not_found", f"no profile for user id '{id_}'")
        return _profile(data, self._settings.consent_default)

    async def consent(self, id_: str) -> ConsentState:
        return (await self.profile(id_)).consent

    async def events(self, id_: str, *, type_: str | None, since: datetime | None,
                     until: datetime | None, cursor: str | None, limit: int) -> EventsPage:
        user_id = await self.resolve(id_)
        rows = await self._repository.events(
            user_id, type_=type_, since=since, until=until,
            cursor=_event_after(cursor) if cursor else None, limit=limit + 1)
        page = [EventOut(**r) for r in rows[:limit]]
        next_cursor = (encode_cursor(page[-1].ts.isoformat(), page[-1].event_id)
                       if len(rows) > limit else None)
        return EventsPage(user_id=user_id, events=page, next_cursor=next_cursor)

    async def consent_history(self, id_: str) -> list[dict[str, Any]]:
        """Every consent change of the profile, oldest first."""
        return await self._repository.consent_changes(await self.resolve(id_))

    async def neighbourhood(self, id_: str) -> dict[str, Any]:
        """The items of the latest events and other users who touched them:
        {user_id, items: [{item_id, title, weight}], neighbours: [{user_id, shared}]}."""
        return (await self.overview(id_, events=0))["neighbourhood"]

    async def overview(self, id_: str, events: int = 20) -> dict[str, Any]:
        """Everything a profile page shows, read in one statement: profile, the first
        `events` of the timeline, consent history, neighbourhood."""
        data = await self._repository.overview(id_, timeline=events + 1 if events else 0,
                                               items=6, per_item=4, neighbours=8)
        if data is None:
            raise ApiError(404, "not_found", f"no profile for user id '{id_}'")
        user_id = data["user"]["user_id"]
        rows = data["events"]
        page = [EventOut(**r) for r in rows[:events]]
        more = len(rows) > events and page
        return {"profile": _profile(data, self._settings.consent_default),
                "events": EventsPage(user_id=user_id, events=page, next_cursor=encode_cursor(
                    page[-1].ts.isoformat(), page[-1].event_id) if more else None),
                "consent_history": data["consent_history"],
                "neighbourhood": {"user_id": user_id, "items": data["hood_items"],
                                  "neighbours": data["neighbours"]}}

    async def export(self, id_: str) -> dict[str, Any]:
        """Everything held about the person, as one JSON document (GDPR art. 15/20)."""
        user_id = await self.resolve(id_)
        data = await self._repository.profile(user_id)
        if data is None:
            raise ApiError(404, "not_found", f"no profile for user id '{id_}'")
        profile = _profile(data, self._settings.consent_default)
        # e-mail/phone in clear only where an encrypted copy was kept (key configured)
        contact = [{"kind": i["kind"], "value": self._open(i["value_sealed"])}
                   for i in data["identities"] if self._open and i.get("value_sealed")]
        events: list[dict[str, Any]] = []
        cursor: str | None = None
        while True:
            page = await self.events(profile.user_id, type_=None, since=None, until=None,
                                     cursor=cursor, limit=EXPORT_PAGE)
            events.extend(e.model_dump(mode="json") for e in page.events)
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
        changes = await self._repository.consent_changes(profile.user_id)
        merged = [m.from_user_id for m in profile.merges]
        memberships = await self._repository.membership_history([profile.user_id, *merged])
        return {
            "exported_at": datetime.now(UTC).isoformat(),
            "profile": profile.model_dump(mode="json"),
            "contact_details": [c for c in contact if c["value"] is not None],
            "consent_history": [{**c, "at": c["at"].isoformat()} for c in changes],
            "segment_membership_history": [{**m, "at": m["at"].isoformat()}
                                           for m in memberships],
            "events": events,
        }

    async def erase(self, id_: str) -> ErasureReceipt:
        """Idempotent: an id erased before answers with that erasure's receipt."""
        user_id = await self._repository.resolve(id_)
        at = datetime.now(UTC)
        receipt_id = str(uuid.uuid4())
        erased = (await self._repository.erase(user_id, receipt_id, at)
                  if user_id is not None else None)
        if erased is None:
            earlier = await self._repository.previous_erasure(id_)
            if earlier is None:
                raise ApiError(404, "not_found", f"no profile for user id '{id_}'")
            return ErasureReceipt(status="already_erased", receipt_id=earlier["receipt_id"],
                                  erased_at=earlier["at"], deleted=earlier["counts"])
        counts, ids = erased
        await self._hooks.notify(IngestedChange({}, {}, erased=frozenset(ids)))
        return ErasureReceipt(receipt_id=receipt_id, erased_at=at, deleted=counts)
