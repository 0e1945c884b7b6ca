"""The JSON type of every top-level field a Segment message of each type defines, checked
before the message is read, so a field of the wrong type is a 422 naming it (never a 500 from
code that assumed the type, nor a value silently ignored).

null counts as absent (Segment's libraries send it for unset fields); whether a field is
required is decided by the parser (app/intake/messages.py). Ids may be numbers as well as
strings (several SDKs send numeric user ids): a number is stored as its string form, as
Segment's JavaScript libraries send it (123 and 123.0 -> "123", 12.5 -> "12.5"); a boolean,
object or list is refused.
"""

from __future__ import annotations

import math
from typing import Any

ID = "id"
STRING = "string"
OBJECT = "object"
DATE_TIME = "date-time"

COMMON: dict[str, str] = {
    "messageId": ID, "userId": ID, "anonymousId": ID, "timestamp": DATE_TIME,
    "sentAt": DATE_TIME, "receivedAt": DATE_TIME, "originalTimestamp": DATE_TIME,
    "context": OBJECT, "integrations": OBJECT,
}
BY_TYPE: dict[str, dict[str, str]] = {
    "track": {**COMMON, "event": STRING, "properties": OBJECT},
    "page": {**COMMON, "name": STRING, "category": STRING, "properties": OBJECT},
    "screen": {**COMMON, "name": STRING, "properties": OBJECT},
    "identify": {**COMMON, "traits": OBJECT},
    "alias": {**COMMON, "previousId": ID},
    "group": {**COMMON, "groupId": ID, "traits": OBJECT},
}
# Fields of a `/v1/batch` body besides `batch` that apply to every message.
BATCH_SHARED: dict[str, str] = {"context": OBJECT, "sentAt": DATE_TIME, "integrations": OBJECT}
# Inside `context`, the objects the service reads.
CONTEXT_OBJECTS = ("consent", "traits")

REASONS = {ID: "must be a string or a number", STRING: "must be a string",
           OBJECT: "must be an object", DATE_TIME: "must be an ISO 8601 date-time string"}


def _fits(value: Any, kind: str) -> bool:
    if kind == OBJECT:
        return isinstance(value, dict)
    if kind == ID:
        return id_text(value) is not None
    return isinstance(value, str)


def id_text(value: Any) -> str | None:
    """An id's string form: a string as sent, a number as JavaScript's String() writes it
    (what a Segment library sends for a numeric id); None for any other JSON type."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and math.isfinite(value):
        return str(int(value)) if value.is_integer() else repr(value)
    return None


def wrong_type(raw: dict[str, Any], fields: dict[str, str]) -> tuple[str, str] | None:
    """(field, reason) of the first field present with a value of the wrong JSON type."""
    for name, kind in fields.items():
        value = raw.get(name)
        if value is not None and not _fits(value, kind):
            return name, REASONS[kind]
    context = raw.get("context")
    if isinstance(context, dict):
        for name in CONTEXT_OBJECTS:
            value = context.get(name)
            if value is not None and not isinstance(value, dict):
                return f"context.{name}", REASONS[OBJECT]
    return None
