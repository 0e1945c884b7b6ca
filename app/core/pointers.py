"""pydantic errors as JSON pointers (RFC 6901) into the document the client sent.

pydantic's error locations include the union tag (`('condition', 'and', 'conditions', 0)`)
and, below a value, the union member it tried (`('value', 'int')`, `('value', 'float')`);
walking the submitted document tells a tag step from a real key, so the pointer names the
field as the client wrote it: `/condition/conditions/0/within_days`, `/rules/0/when/value`.
A validator that knows which member of its field is wrong raises `PointedError` with the
path below the field (`/rules/0/variant` from a check on `rules`).
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

_ABSENT = object()  # a step the document does not hold (a missing field)


class PointedError(ValueError):
    """A validator's error about a part of its field: `path` continues the field's pointer."""

    def __init__(self, path: tuple[str | int, ...], reason: str) -> None:
        super().__init__(reason)
        self.path = path


def _escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


def pointer(document: Any, loc: tuple[Any, ...]) -> str:
    parts: list[str] = []
    node = document
    tagged = False  # the branch name of the object `node` was passed already
    for step in loc:
        if step == "[key]":
            continue  # a dict key itself was refused: the pointer names that member
        if isinstance(node, dict) and not tagged and node.get("type") == step:
            # the discriminator's branch name comes first, before any key of that name
            # (`{"type": "prediction", "prediction": ...}`)
            tagged = True
            continue
        tagged = False
        if isinstance(node, list) and isinstance(step, int):
            parts.append(str(step))
            node = node[step] if 0 <= step < len(node) else _ABSENT
        elif isinstance(node, dict) and isinstance(step, str) and step in node:
            parts.append(_escape(step))
            node = node[step]
        elif node is not _ABSENT and not isinstance(node, dict | list):
            break  # below a value sent: the union member pydantic tried, not a key
        else:
            parts.append(_escape(str(step)))
            node = _ABSENT
    return "/" + "/".join(parts) if parts else ""


def located(document: Any, err: dict[str, Any], loc: tuple[Any, ...]) -> str:
    """The pointer of one pydantic error at `loc` (its location within `document`)."""
    cause = (err.get("ctx") or {}).get("error")
    if isinstance(cause, PointedError):
        loc += cause.path
    return pointer(document, loc)


def merged(fields: list[tuple[str, str]]) -> list[dict[str, str]]:
    """One entry per field: a value no member of a union accepts is one field whose
    reasons are joined, not one per member."""
    reasons: dict[str, list[str]] = {}
    for field, reason in fields:
        said = reasons.setdefault(field, [])
        if reason not in said:
            said.append(reason)
    return [{"field": field, "reason": " or ".join(said)} for field, said in reasons.items()]


def error_fields(document: Any, exc: ValidationError) -> list[dict[str, str]]:
    return merged([(located(document, err, tuple(err["loc"])),
                    err["msg"].removeprefix("Value error, "))
                   for err in exc.errors(include_url=False)])
