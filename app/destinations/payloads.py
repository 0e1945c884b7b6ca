"""The JSON body of a delivery, the same for every attempt and replay (webhook and Kafka).

    {"id": "msg_…", "type": "segment.entered", "timestamp": "2026-11-01T10:00:00.123456+00:00",
     "data": {"profile_id": "u-1", "segment_id": "vip"}}

`id` is the stable delivery id (also the `webhook-id` header): receivers deduplicate on it.
`timestamp` is when the change happened. `data` by type:
- `segment.entered` / `segment.exited`: `segment_id`
- `profile.trait_changed`: `trait` (as sent in identify), `value`, `previous`
- `event.<type>`: `event_id` (the Segment messageId), `event` (its name), `event_type`,
  `event_timestamp`, `properties`
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson


def _iso(value: Any) -> str | None:
    return value.isoformat() if isinstance(value, datetime) else value


def payload(delivery: dict[str, Any]) -> dict[str, Any]:
    kind = delivery["type"]
    data: dict[str, Any] = {"profile_id": delivery["user_id"]}
    if kind.startswith("segment."):
        data["segment_id"] = delivery["segment_id"]
    elif kind == "profile.trait_changed":
        data.update(trait=delivery["trait"].removeprefix("trait_"), value=delivery.get("value"),
                    previous=delivery.get("previous"))
    else:
        raw = delivery.get("properties_json")
        data.update(event_id=delivery.get("event_id"), event=delivery.get("event_name"),
                    event_type=kind.removeprefix("event."),
                    event_timestamp=_iso(delivery.get("event_ts")),
                    properties=orjson.loads(raw) if raw else {})
    return {"id": delivery["delivery_id"], "type": kind, "timestamp": _iso(delivery["at"]),
            "data": data}


def body(delivery: dict[str, Any]) -> bytes:
    return orjson.dumps(payload(delivery), option=orjson.OPT_SORT_KEYS)
