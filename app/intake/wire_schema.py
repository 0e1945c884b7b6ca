"""JSON Schemas of the Segment Tracking API bodies, as the intake routes accept them.

The routes parse raw bodies with orjson (gzip, size limits) and check them in
app/intake/messages.py; these schemas state the same rules for the OpenAPI document, so a
request valid by the schema is one the route accepts (ranges the schema cannot state, such
as the clock policy of app/intake/bounds.py, are described in words).
"""

from __future__ import annotations

from typing import Any

from app.intake.bounds import AMOUNT_KEYS, MAX_AMOUNT, MAX_QUANTITY
from app.intake.ecommerce import ID_KEYS
from app.intake.intake_service import MAX_BATCH_MESSAGES
from app.intake.messages import MAX_EVENT_NAME_LEN, MAX_ID_LEN

# A JSON number is accepted too and stored as its string form (123 -> "123"), as Segment's
# libraries send numeric ids; booleans, objects and lists are refused (field_types.py).
ID = {"type": "string", "minLength": 1, "maxLength": MAX_ID_LEN,
      "description": "a string; a number is stored as its string form (123 -> \"123\")"}
USER_ID = {**ID, "pattern": "^(?!anon:)", "description": "not starting with 'anon:'; a "
           "number is stored as its string form (123 -> \"123\")"}
TIME = {"type": "string", "format": "date-time", "description": (
    "ISO 8601. With sentAt the device clock is corrected (receivedAt - (sentAt - timestamp)); "
    "the result must lie between 1970-01-01 and 24 h after receipt, else 422")}
AMOUNT = {"type": "number", "minimum": -MAX_AMOUNT, "maximum": MAX_AMOUNT}
QUANTITY = {"type": "number", "minimum": -MAX_QUANTITY, "maximum": MAX_QUANTITY}
# A product's id (product_id, productId, id or sku): a non-empty string, as the spec has it
# (a non-zero integer is read too, as its digits).
PRODUCT_ID = {"type": "string", "minLength": 1}
PRODUCT_FIELDS = {**{k: PRODUCT_ID for k in ID_KEYS}, "price": AMOUNT, "quantity": QUANTITY,
                  "position": {"type": "number"}}
PRODUCT = {"type": "object", "properties": PRODUCT_FIELDS,
           "anyOf": [{"required": [k]} for k in ID_KEYS],
           "description": "one of product_id, productId, id or sku is required"}
PROPERTIES = {"type": "object", "description": (
    "e-commerce spec: product_id, name, category, price, quantity, products[], revenue; "
    "amounts finite within ±1e12; e-mails and phone numbers in text are stored scrubbed"),
    "properties": {**PRODUCT_FIELDS, **{k: AMOUNT for k in AMOUNT_KEYS},
                   "products": {"type": "array", "items": PRODUCT}}}
CONTEXT = {"type": "object", "properties": {"consent": {"type": "object", "properties": {
    "categoryPreferences": {"type": "object", "additionalProperties": {"type": "boolean"},
                            "description": "e.g. {Analytics: true, Marketing: false}"}}}}}
TYPES = ("track", "identify", "alias", "page", "screen", "group")
# What each type requires beyond "userId or anonymousId".
REQUIRED = {"track": ["event"], "alias": ["userId", "previousId"]}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


def message_schema(mtype: str | None) -> dict[str, Any]:
    """One message: for a single-call route (`mtype` given) or a batch item (`type` set)."""
    properties: dict[str, Any] = {
        "type": ({"enum": list(TYPES)} if mtype is None else _nullable({"const": mtype})),
        "messageId": {**ID, "description": "idempotency key; stored as event_id"},
        "userId": USER_ID, "anonymousId": ID, "previousId": ID,
        "event": {"type": "string", "minLength": 1, "maxLength": MAX_EVENT_NAME_LEN,
                  "pattern": r"\S", "description": "track: event name, e.g. Product Viewed"},
        "name": {"type": "string"}, "category": {"type": "string"},
        "groupId": ID, "integrations": {"type": "object"}, "timestamp": TIME, "sentAt": TIME,
        "receivedAt": TIME, "originalTimestamp": TIME,
        "properties": PROPERTIES, "context": CONTEXT,
        "traits": {"type": "object", "description": "identify: profile traits; e-mail and "
                   "phone are stored only hashed"},
    }
    ids = [{"required": ["userId"]}, {"required": ["anonymousId"]}]
    if mtype is not None:
        schema: dict[str, Any] = {"type": "object", "properties": properties, "anyOf": ids}
        if mtype in REQUIRED:
            schema["required"] = REQUIRED[mtype]
        return schema
    per_type = [{"properties": {"type": {"const": t}}, "required": ["type", *REQUIRED.get(t, [])]}
                for t in TYPES]
    return {"type": "object", "properties": properties, "required": ["type"],
            "allOf": [{"anyOf": ids}, {"anyOf": per_type}]}


def batch_schema() -> dict[str, Any]:
    return {"type": "object", "required": ["batch"], "properties": {
        "batch": {"type": "array", "minItems": 1, "maxItems": MAX_BATCH_MESSAGES,
                  "items": message_schema(None),
                  "description": "at most 500 KB in all, 32 KB a message"},
        "context": CONTEXT, "sentAt": TIME}}
