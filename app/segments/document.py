"""Segment documents from a request body: JSON, or YAML when the content type says so.

Both parsers are bounded before any object is built: YAML aliases are refused (five levels of
nested aliases in a 1 KB body expand to tens of millions of nodes), and documents may nest
only so deep (the definition limits are checked after parsing, too late for a 10,000-level
document). Routes call `parse_body` off the event loop.
"""

from __future__ import annotations

from typing import Any, TypeVar

import orjson
import yaml
from pydantic import BaseModel, ValidationError
from yaml.composer import ComposerError

from app.core.errors import ApiError
from app.core.pointers import error_fields

M = TypeVar("M", bound=BaseModel)
YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml")
# Containers in a document: a definition nests conditions 8 deep, two containers a level.
MAX_DOCUMENT_DEPTH = 40


class _BoundedLoader(yaml.SafeLoader):
    """safe_load without aliases and with a nesting bound, checked while composing."""

    _depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            raise ComposerError(None, None, "aliases (*name) are not allowed",
                                self.peek_event().start_mark)
        self._depth += 1
        try:
            if self._depth > MAX_DOCUMENT_DEPTH:
                raise ComposerError(None, None, f"nested deeper than {MAX_DOCUMENT_DEPTH} "
                                    "levels", self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _too_deep(document: Any) -> bool:
    stack = [(document, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict | list):
            if depth > MAX_DOCUMENT_DEPTH:
                return True
            children = node.values() if isinstance(node, dict) else node
            stack.extend((child, depth + 1) for child in children)
    return False


def parse_body(raw: bytes, content_type: str | None) -> Any:
    """The parsed document; CPU-bound, so routes run it in a worker thread."""
    kind = (content_type or "application/json").split(";")[0].strip().lower()
    what = "YAML" if kind in YAML_TYPES else "JSON"
    try:
        if kind in YAML_TYPES:
            document = yaml.load(raw.decode(), Loader=_BoundedLoader)
        else:
            document = orjson.loads(raw)
    except (ValueError, yaml.YAMLError, UnicodeDecodeError, RecursionError) as exc:
        reason = getattr(exc, "problem", None) or f"not valid {what}"
        raise ApiError(400, "invalid_body", f"The body is not valid {what}: {exc}",
                       [{"field": "body", "reason": reason}]) from None
    if _too_deep(document):
        reason = f"nested deeper than {MAX_DOCUMENT_DEPTH} levels"
        raise ApiError(400, "invalid_body", f"The {what} body is {reason}",
                       [{"field": "body", "reason": reason}])
    return document


def validate(model: type[M], document: Any) -> M:
    """The model, or a 422 whose fields are JSON pointers to each bad value and why."""
    try:
        return model.model_validate(document)
    except ValidationError as exc:
        fields = error_fields(document, exc)
        summary = "; ".join(f"{f['field'] or '/'}: {f['reason']}" for f in fields[:5])
        raise ApiError(422, "invalid_definition", summary, fields) from None
