"""Neo4j values as Python ones, for repositories that hand records to services."""

from __future__ import annotations

from typing import Any


def native(value: Any) -> Any:
    """Neo4j temporal values as Python ones, recursively."""
    if hasattr(value, "to_native"):
        return value.to_native()
    if isinstance(value, dict):
        return {k: native(v) for k, v in value.items()}
    if isinstance(value, list):
        return [native(v) for v in value]
    return value
