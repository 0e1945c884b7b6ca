"""Checks analyst query parameters before they reach the driver: every value must be one
Neo4j can hold, so a bad one is a 4xx naming the parameter rather than a server error."""

from __future__ import annotations

import math
from typing import Any

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
MAX_DEPTH = 16


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate ("\ud800") has no UTF-8 form
        return False
    return True


def problem(value: Any, depth: int = 0) -> str | None:
    """Why the value cannot be a Cypher parameter, or None when it can."""
    if depth > MAX_DEPTH:
        return f"nested deeper than {MAX_DEPTH} levels"
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return None if INT64_MIN <= value <= INT64_MAX else "integer outside the 64-bit range"
    if isinstance(value, float):
        return None if math.isfinite(value) else "number is not finite (NaN, Infinity, 1e400)"
    if isinstance(value, str):
        return None if _encodable(value) else "string is not valid Unicode (lone surrogate)"
    if isinstance(value, list):
        return next((p for v in value if (p := problem(v, depth + 1))), None)
    if isinstance(value, dict):
        for key, v in value.items():
            if not isinstance(key, str) or not _encodable(key):
                return "map key is not valid Unicode"
            if p := problem(v, depth + 1):
                return p
        return None
    return f"unsupported value of type {type(value).__name__}"


def check_params(params: dict[str, Any]) -> list[dict[str, str]]:
    """[{field, reason}] for each parameter Neo4j could not take."""
    errors = []
    for name, value in params.items():
        reason = "name is not valid Unicode" if not _encodable(name) else problem(value)
        if reason:
            errors.append({"field": f"params.{name.encode('utf-8', 'replace').decode()}",
                           "reason": reason})
    return errors
