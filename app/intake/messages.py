"""Segment Tracking spec messages, checked and normalized into what the writer stores.

Hand-written rather than pydantic models: this runs for every event on the hot path, and the
checks are few. Every rejection names the field and the reason.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import orjson

from app.intake.bounds import BoundError, check_amounts, corrected_time
from app.intake.ecommerce import SpecError, check_spec_properties
from app.intake.field_types import BY_TYPE, ID, REASONS, id_text, wrong_type
from app.intake.pii import identity_of, scrub_map

PURPOSES = ("analytics", "personalization", "marketing")
BEHAVIOURAL_TYPES = frozenset({"track", "page", "screen"})
SUPPORTED_TYPES = BEHAVIOURAL_TYPES | {"identify", "alias"}
MAX_ID_LEN = 256
MAX_EVENT_NAME_LEN = 200
MAX_PROPS = 64
INT64 = 2**63
# Segment category names (context.consent.categoryPreferences) mapped to our purposes.
CATEGORY_PURPOSE = {
    "analytics": "analytics", "performance": "analytics", "statistics": "analytics",
    "personalization": "personalization", "personalisation": "personalization",
    "functional": "personalization", "preferences": "personalization",
    "marketing": "marketing", "advertising": "marketing", "targeting": "marketing",
}
_SNAKE_RE = re.compile(r"[^0-9a-z]+")


class MessageError(ValueError):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


@dataclass(slots=True)
class Message:
    index: int
    type: str
    message_id: str
    user_id: str | None
    anonymous_id: str | None
    ts: datetime
    name: str | None = None  # track event name / page name
    event_type: str | None = None  # snake_case type stored on the Event
    properties: dict[str, Any] = field(default_factory=dict)
    traits: dict[str, Any] = field(default_factory=dict)
    identities: list[tuple[str, str]] = field(default_factory=list)  # hashed e-mail/phone
    # the normalized e-mail/phone behind each hashed identity; memory only, stored only
    # encrypted and only when an encryption key is configured
    identity_values: dict[tuple[str, str], str] = field(default_factory=dict)
    consent: dict[str, bool] = field(default_factory=dict)
    previous_id: str | None = None

    @property
    def behavioural(self) -> bool:
        return self.type in BEHAVIOURAL_TYPES


@lru_cache(maxsize=4096)  # a store sends a few dozen event names, each message one of them
def snake_case(name: str) -> str:
    return _SNAKE_RE.sub("_", name.lower()).strip("_")[:64]


def _id(raw: dict, key: str, prefix: str) -> str | None:
    value = raw.get(key)
    if value is None or value == "":
        return None
    value = id_text(value)
    if value is None:
        raise MessageError(prefix + key, REASONS[ID])
    if len(value) > MAX_ID_LEN:
        raise MessageError(prefix + key, f"longer than {MAX_ID_LEN} characters")
    return value


def epoch_ms(ts: datetime) -> int:
    """Times travel to Neo4j as epoch milliseconds: packing datetime objects costs the driver
    about 0.1 ms each, which dominated batch writes."""
    return int(ts.timestamp() * 1000)


def parse_time(value: Any, where: str) -> datetime | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise MessageError(where, "must be an ISO 8601 date-time string")
    try:
        ts = datetime.fromisoformat(value)
    except ValueError:
        raise MessageError(where, "must be an ISO 8601 date-time string") from None
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=UTC)
    try:
        return ts.astimezone(UTC)
    except OverflowError:  # 0001-01-01 with a positive offset lies before year 1 in UTC
        raise MessageError(where, "is outside the representable date range") from None


def _event_time(raw: dict, received_at: datetime, prefix: str,
                correct_skew: bool) -> datetime:
    ts = parse_time(raw.get("timestamp"), prefix + "timestamp")
    sent = parse_time(raw.get("sentAt"), prefix + "sentAt")
    if ts is None:
        return received_at
    try:
        # Segment's clock-skew correction: the device clock may be off, the offset is not.
        return corrected_time(ts, sent if correct_skew else None, received_at,
                              prefix + "timestamp")
    except BoundError as exc:
        raise MessageError(exc.field, exc.reason) from None


def _mapping(raw: dict, key: str, prefix: str) -> dict:
    value = raw.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise MessageError(prefix + key, "must be an object")
    return value


def _consent(context: dict, prefix: str) -> dict[str, bool]:
    consent = context.get("consent")
    if not isinstance(consent, dict):
        return {}
    prefs = consent.get("categoryPreferences")
    if prefs is None:
        return {}
    if not isinstance(prefs, dict):
        raise MessageError(prefix + "context.consent.categoryPreferences", "must be an object")
    out: dict[str, bool] = {}
    for category, granted in prefs.items():
        purpose = CATEGORY_PURPOSE.get(str(category).strip().lower())
        if purpose is None:
            continue
        if not isinstance(granted, bool):
            raise MessageError(
                f"{prefix}context.consent.categoryPreferences.{category}", "must be true or false"
            )
        # Several categories map to one purpose: any refusal wins.
        out[purpose] = out.get(purpose, True) and granted
    return out


def _fallback_message_id(raw: dict) -> str:
    # Deterministic, so a retried message without messageId is still stored once.
    return "gen-" + hashlib.sha256(orjson.dumps(raw, option=orjson.OPT_SORT_KEYS)).hexdigest()[:32]


def parse_message(raw: Any, index: int, received_at: datetime, prefix: str = "",
                  default_type: str | None = None, correct_skew: bool = True,
                  scrub: bool = True) -> Message:
    """One message; `correct_skew` is off for archived messages whose receipt time is lost.
    `scrub=False` leaves event properties as sent (unscrubbed, not to be stored): for a
    caller that only validates, such as /v1/batch in Kafka mode, which queues the message
    as sent and whose consumer parses it again, scrubbing included."""
    if not isinstance(raw, dict):
        raise MessageError(prefix.rstrip(".") or "body", "must be a JSON object")
    mtype = raw.get("type")
    if mtype is None or mtype == "":
        mtype = default_type
    if not isinstance(mtype, str) or mtype not in BY_TYPE:
        raise MessageError(prefix + "type", f"must be one of {sorted(SUPPORTED_TYPES)}")
    wrong = wrong_type(raw, BY_TYPE[mtype])
    if wrong is not None:
        raise MessageError(prefix + wrong[0], wrong[1])
    message_id = _id(raw, "messageId", prefix) or _fallback_message_id(raw)
    user_id = _id(raw, "userId", prefix)
    anonymous_id = _id(raw, "anonymousId", prefix)
    if user_id is None and anonymous_id is None:
        raise MessageError(prefix + "userId", "userId or anonymousId is required")
    if user_id is not None and user_id.startswith("anon:"):
        raise MessageError(prefix + "userId", "must not start with 'anon:' (reserved)")
    context = _mapping(raw, "context", prefix)
    ts = _event_time(raw, received_at, prefix, correct_skew)
    msg = Message(index, mtype, message_id, user_id, anonymous_id, ts,
                  consent=_consent(context, prefix))
    if mtype == "track":
        event = raw.get("event")
        if not isinstance(event, str) or not event.strip():
            raise MessageError(prefix + "event", "a non-empty event name is required for track")
        if len(event) > MAX_EVENT_NAME_LEN:
            raise MessageError(prefix + "event", f"longer than {MAX_EVENT_NAME_LEN} characters")
        msg.name, msg.event_type = event, snake_case(event) or "event"
        properties = _mapping(raw, "properties", prefix)
        try:
            check_amounts(properties, prefix)
            check_spec_properties(msg.event_type, properties, prefix)
        except (BoundError, SpecError) as exc:
            raise MessageError(exc.field, exc.reason) from None
        msg.properties = scrub_map(properties) if scrub else properties
    elif mtype in ("page", "screen"):
        name = raw.get("name")
        msg.name = name if isinstance(name, str) else None
        msg.event_type = mtype
        properties = _mapping(raw, "properties", prefix)
        msg.properties = scrub_map(properties) if scrub else properties
    elif mtype == "identify":
        traits = _mapping(raw, "traits", prefix) or _mapping(context, "traits", prefix + "context.")
        msg.traits, msg.identity_values = split_traits(traits)
        msg.identities = list(msg.identity_values)
    elif mtype == "alias":
        previous = _id(raw, "previousId", prefix)
        if previous is None:
            raise MessageError(prefix + "previousId", "is required for alias")
        if user_id is None:
            raise MessageError(prefix + "userId", "is required for alias")
        if previous == user_id:
            raise MessageError(prefix + "previousId", "equals userId: an alias to itself "
                               "merges nothing")
        msg.previous_id = previous
    return msg


def property_key(key: Any) -> str:
    """A trait or property name as a Neo4j property key: NUL characters (not allowed in token
    names) removed, at most 64 characters; "" means the key cannot be stored."""
    return str(key).replace("\x00", "")[:64]


def split_traits(traits: dict) -> tuple[dict[str, Any], dict[tuple[str, str], str]]:
    """Profile traits as `trait_<key>` scalars, and e-mail/phone traits as hashed identities
    ((kind, hash) -> normalized value)."""
    stored: dict[str, Any] = {}
    identities: dict[tuple[str, str], str] = {}
    for key, value in list(traits.items())[:MAX_PROPS]:
        key = property_key(key)
        ident = identity_of(key, value)
        if ident is not None:
            identities[(ident[0], ident[1])] = ident[2]
            continue
        if isinstance(value, dict):
            for sub, sub_value in value.items():
                sub = property_key(sub)
                if identity_of(sub, sub_value) is None and _storable(sub_value):
                    stored[f"trait_{key}_{sub}"[:128]] = sub_value
        elif _storable(value):
            stored[f"trait_{key}"] = value
    return stored, identities


def _storable(value: Any) -> bool:
    if isinstance(value, bool | float | str):
        return True
    if isinstance(value, int):
        return -INT64 <= value < INT64
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def scalar_properties(properties: dict[str, Any],
                      skip: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Scalar event properties as `p_<key>` (queryable); the full object stays as JSON."""
    out: dict[str, Any] = {}
    for key, value in properties.items():
        if len(out) >= MAX_PROPS:
            break
        if key in skip:
            continue
        if value is not None and not isinstance(value, list) and _storable(value):
            out["p_" + property_key(key)] = value
    return out
