"""Neo4j values as JSON values (nodes, relationships, paths, temporal and spatial types),
converted under a byte budget so one huge value cannot be turned into a huge response."""

from __future__ import annotations

import math
from typing import Any

from neo4j.graph import Node, Path, Relationship
from neo4j.spatial import Point
from neo4j.time import Date, DateTime, Duration, Time


class OverBudget(Exception):
    """The converted value would exceed the byte budget."""


class Budget:
    """Approximate JSON bytes left; every converted value spends what it will cost."""

    def __init__(self, limit: int) -> None:
        self.left = limit

    def spend(self, n: int) -> None:
        self.left -= n
        if self.left < 0:
            raise OverBudget


_UNLIMITED = 1 << 62


def to_json(value: Any, budget: Budget | None = None) -> Any:
    b = budget or Budget(_UNLIMITED)
    return _convert(value, b)


def _convert(value: Any, b: Budget) -> Any:
    if value is None or isinstance(value, bool):
        b.spend(5)
        return value
    if isinstance(value, int):
        b.spend(20)
        return value
    if isinstance(value, float):
        b.spend(24)
        # JSON has no NaN or Infinity: they travel as strings rather than break the answer
        return value if math.isfinite(value) else str(value)
    if isinstance(value, str):
        b.spend(len(value) + 3)
        return value
    if isinstance(value, Node):
        b.spend(64)
        return {"element_id": value.element_id, "labels": sorted(value.labels),
                "properties": {k: _convert(v, b) for k, v in value.items()}}
    if isinstance(value, Relationship):
        b.spend(96)
        return {"element_id": value.element_id, "type": value.type,
                "start": value.start_node.element_id if value.start_node else None,
                "end": value.end_node.element_id if value.end_node else None,
                "properties": {k: _convert(v, b) for k, v in value.items()}}
    if isinstance(value, Path):
        return {"nodes": [_convert(n, b) for n in value.nodes],
                "relationships": [_convert(r, b) for r in value.relationships]}
    if isinstance(value, DateTime | Date | Time | Duration):
        b.spend(40)
        return value.iso_format()
    if isinstance(value, Point):
        b.spend(64)
        return {"srid": value.srid, "coordinates": list(value)}
    if isinstance(value, dict):
        b.spend(2)
        return {str(k): _convert(v, b) for k, v in value.items()}
    if isinstance(value, list | tuple):
        b.spend(2)
        return [_convert(v, b) for v in value]
    if isinstance(value, bytes):
        b.spend(2 * len(value) + 3)
        return value.hex()
    text = str(value)
    b.spend(len(text) + 3)
    return text
