"""The names a definition may use: checked against patterns, never pasted into Cypher.

Names reach Cypher only as parameters (`n[$name]`, `e.type = $type`), so these patterns guard
meaning (a property that can exist in the graph model), not injection.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, Field

SEGMENT_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
EVENT_TYPE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
PURPOSE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
USER_TRAIT = re.compile(r"^trait_[a-z0-9_]{1,64}$")
EVENT_PROPERTY = re.compile(r"^p_[a-z0-9_]{1,64}$")
COUNT_TRAIT = re.compile(r"^count_[a-z][a-z0-9_]{0,63}$")

# Computed traits kept on (:User) by intake (docs/graph-model.md), numeric ones only:
# date-valued traits are reached through `rfm_recency_days` or event windows.
# `engagement_score` is stored decayed to the user's newest event (`engagement_at`), so a
# rule compares that stored value like any other computed trait.
# Predicted traits and the behavioural cluster (app/predictions) are kept there too.
PREDICTED_TRAITS = frozenset({"pred_purchase_30d", "pred_value_90d", "cluster"})
COMPUTED_TRAITS = frozenset(
    {"event_count", "order_count", "revenue_total", "rfm_r", "rfm_f", "rfm_m", "rfm_recency_days",
     "engagement_score"}
) | PREDICTED_TRAITS
# Item fields an event filter may test, reached through (:Event)-[:ON]->(:Item).
ITEM_FIELDS = frozenset({"item_id", "category", "price", "brand", "title"})


def _checked(pattern: re.Pattern[str], what: str):
    def check(value: str) -> str:
        if not pattern.fullmatch(value):
            raise ValueError(f"{value!r} is not a valid {what} (must match {pattern.pattern})")
        return value

    return check


def _user_property(value: str) -> str:
    if value in COMPUTED_TRAITS or USER_TRAIT.fullmatch(value) or COUNT_TRAIT.fullmatch(value):
        return value
    raise ValueError(
        f"{value!r} is not a user property: use trait_<key>, count_<event_type> or one of "
        + ", ".join(sorted(COMPUTED_TRAITS))
    )


def _event_field(value: str) -> str:
    if value in ITEM_FIELDS or EVENT_PROPERTY.fullmatch(value):
        return value
    raise ValueError(
        f"{value!r} is not an event field: use p_<key> for an event property or one of "
        + ", ".join(sorted(ITEM_FIELDS)) + " for the item"
    )


USER_PROPERTY_PATTERN = (
    rf"^({USER_TRAIT.pattern[1:-1]}|{COUNT_TRAIT.pattern[1:-1]}|{'|'.join(sorted(COMPUTED_TRAITS))})$"
)
EVENT_FIELD_PATTERN = rf"^({EVENT_PROPERTY.pattern[1:-1]}|{'|'.join(sorted(ITEM_FIELDS))})$"


def _schema(pattern: str):
    # The published JSON Schema carries the pattern; the validator gives the readable reason.
    return Field(json_schema_extra={"pattern": pattern})


SegmentId = Annotated[
    str, _schema(SEGMENT_ID.pattern), AfterValidator(_checked(SEGMENT_ID, "segment id"))
]
EventType = Annotated[
    str, _schema(EVENT_TYPE.pattern),
    AfterValidator(_checked(EVENT_TYPE, "event type (snake_case)")),
]
PurposeName = Annotated[
    str, _schema(PURPOSE.pattern), AfterValidator(_checked(PURPOSE, "consent purpose"))
]
UserProperty = Annotated[str, _schema(USER_PROPERTY_PATTERN), AfterValidator(_user_property)]
EventField = Annotated[str, _schema(EVENT_FIELD_PATTERN), AfterValidator(_event_field)]
EventProperty = Annotated[
    str, _schema(EVENT_PROPERTY.pattern),
    AfterValidator(_checked(EVENT_PROPERTY, "event property")),
]


def is_item_field(name: str) -> bool:
    return name in ITEM_FIELDS
