"""Segment documents from a request body: JSON, or YAML when the content type says so."""

from __future__ import annotations

import json
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from app.core.errors import ApiError
from app.segments.pointers import error_fields

M = TypeVar("M", bound=BaseModel)
YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml")


def parse_body(raw: bytes, content_type: str | None) -> Any:
    kind = (content_type or "application/json").split(";")[0].strip().lower()
    try:
        if kind in YAML_TYPES:
            # safe_load: plain data only, no Python objects
            return yaml.safe_load(raw.decode())
        return json.loads(raw)
    except (ValueError, yaml.YAMLError, UnicodeDecodeError) as exc:
        what = "YAML" if kind in YAML_TYPES else "JSON"
        raise ApiError(400, "invalid_body", f"The body is not valid {what}: {exc}",
                       [{"field": "", "reason": f"not valid {what}"}]) from None


def validate(model: type[M], document: Any) -> M:
    """The model, or a 422 whose fields are JSON pointers to each bad value and why."""
    try:
        return model.model_validate(document)
    except ValidationError as exc:
        fields = error_fields(document, exc)
        summary = "; ".join(f"{f['field'] or '/'}: {f['reason']}" for f in fields[:5])
        raise ApiError(422, "invalid_definition", summary, fields) from None
