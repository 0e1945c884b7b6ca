"""pydantic errors as JSON pointers (RFC 6901) into the document the client sent.

pydantic's error locations include the union tag (`('condition', 'and', 'conditions', 0)`);
walking the submitted document tells a tag step from a real key, so the pointer names the
field as the client wrote it: `/condition/conditions/0/within_days`.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError


def _escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


def pointer(document: Any, loc: tuple[Any, ...]) -> str:
    parts: list[str] = []
    node = document
    for step in loc:
        if isinstance(node, list) and isinstance(step, int):
            parts.append(str(step))
            node = node[step] if 0 <= step < len(node) else None
        elif isinstance(node, dict) and isinstance(step, str) and step in node:
            parts.append(_escape(step))
            node = node[step]
        elif isinstance(node, dict) and node.get("type") == step:
            continue  # the discriminator's branch name, not a key of the document
        else:
            parts.append(_escape(str(step)))
            node = None
    return "/" + "/".join(parts) if parts else ""


def error_fields(document: Any, exc: ValidationError) -> list[dict[str, str]]:
    fields = []
    for err in exc.errors(include_url=False):
        reason = err["msg"].removeprefix("Value error, ")
        fields.append({"field": pointer(document, tuple(err["loc"])), "reason": reason})
    return fields
