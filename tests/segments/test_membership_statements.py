"""Membership statements are planned once per segment version: whatever combination of
segments an ingest touches, each segment's statement has the same text."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

from app.segments.definition import SegmentDefinition
from app.segments.dependencies import closure_keys, direct_keys
from app.segments.loaded import CompileCache
from app.segments.membership.changes import apply_changes

DEFINITIONS = [
    {"id": "buyers", "name": "b", "condition": {"type": "event",
                                                "event_type": "order_completed"}},
    {"id": "viewers", "name": "v", "condition": {"type": "event",
                                                 "event_type": "product_viewed"}},
    {"id": "pro", "name": "p", "condition": {"type": "trait", "property": "trait_plan",
                                             "op": "eq", "value": "pro"}},
    {"id": "pro-buyers", "name": "pb", "condition": {"type": "and", "conditions": [
        {"type": "segment", "segment_id": "buyers"}, {"type": "segment", "segment_id": "pro"}]}},
]
KEYS = ["event:order_completed", "event:product_viewed", "identify"]


class _Result:
    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self._rows = rows

    async def data(self) -> list[dict[str, Any]]:
        return self._rows


class _RecordingTx:
    def __init__(self) -> None:
        self.texts: list[str] = []
        self.segments: list[str] = []

    async def run(self, cypher: str, params: dict[str, Any]) -> _Result:
        self.texts.append(cypher)
        self.segments.append(params["segment_id"])
        return _Result([{"changes": []}])


def _index() -> list[dict[str, Any]]:
    parsed = {d["id"]: SegmentDefinition.model_validate(d) for d in DEFINITIONS}
    refs = {s: d.referenced_segments() for s, d in parsed.items()}
    keys = closure_keys({s: direct_keys(d) for s, d in parsed.items()}, refs)
    return [{"segment_id": s, "version": 1, "definition": d.model_dump_json(),
             "depends_on": sorted(keys[s])} for s, d in parsed.items()]


async def test_one_statement_text_per_segment_whatever_the_combination() -> None:
    cache, index, now = CompileCache(), _index(), datetime.now(UTC)
    texts: set[str] = set()
    per_call = []
    for size in range(1, len(KEYS) + 1):
        for combo in itertools.combinations(KEYS, size):
            for split in range(len(combo) + 1):
                # two users holding different parts of the combination
                tx = _RecordingTx()
                user_keys = {"u1": set(combo[:split]), "u2": set(combo[split:])}
                await apply_changes(tx, cache, index,  # type: ignore[arg-type]
                                    {u: k for u, k in user_keys.items() if k}, {}, now)
                texts.update(tx.texts)
                per_call.append(len(tx.texts))
    alone: set[str] = set()  # each segment's text, evaluated on its own
    for key in KEYS:
        tx = _RecordingTx()
        await apply_changes(tx, cache, index, {"u1": {key}}, {}, now)  # type: ignore[arg-type]
        alone.update(tx.texts)
    # buyers and viewers share a shape, hence a text (one plan)
    assert texts == alone and len(texts) == 3
    assert max(per_call) == len(DEFINITIONS)  # one statement per affected segment
    # references first: pro-buyers is evaluated after buyers and pro
    tx = _RecordingTx()
    await apply_changes(tx, cache, index, {"u1": None}, {}, now)  # type: ignore[arg-type]
    order = tx.segments
    assert sorted(order) == ["buyers", "pro", "pro-buyers", "viewers"]
    assert order.index("pro-buyers") > max(order.index("buyers"), order.index("pro"))
