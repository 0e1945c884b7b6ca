"""Stored segments, parsed and compiled once per (segment, version, parameter prefix)."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from app.segments.compiler import CompiledSegment, compile_condition
from app.segments.definition import SegmentDefinition


@dataclass(frozen=True)
class LoadedSegment:
    segment_id: str
    version: int
    definition: SegmentDefinition

    @property
    def references(self) -> set[str]:
        return self.definition.referenced_segments()


class CompileCache:
    """Versions never change once stored, so (id, version, prefix) is a safe key; bounded so
    deleted or superseded versions fall out."""

    def __init__(self, size: int = 2048) -> None:
        self._size = size
        self._definitions: OrderedDict[tuple[str, int], LoadedSegment] = OrderedDict()
        self._compiled: OrderedDict[tuple[str, int, str], CompiledSegment] = OrderedDict()

    def load(self, segment_id: str, version: int, definition_json: str) -> LoadedSegment:
        key = (segment_id, version)
        hit = self._definitions.get(key)
        if hit is None:
            hit = LoadedSegment(segment_id, version,
                                SegmentDefinition.model_validate_json(definition_json))
            self._put(self._definitions, key, hit)
        return hit

    def compiled(self, segment: LoadedSegment, prefix: str = "") -> CompiledSegment:
        key = (segment.segment_id, segment.version, prefix)
        hit = self._compiled.get(key)
        if hit is None:
            hit = compile_condition(segment.definition.condition, prefix)
            self._put(self._compiled, key, hit)
        return hit

    def _put(self, cache: OrderedDict, key: tuple, value: object) -> None:
        cache[key] = value
        if len(cache) > self._size:
            cache.popitem(last=False)
