"""Definition documents (segments, placements, experiments) sent as JSON or YAML: the body
read under a size limit and parsed off the event loop, and its OpenAPI entry.

The body is parsed by hand (JSON or YAML, errors as JSON pointers), so the route declares
no body parameter; `body_doc` adds the model's schema to the operation instead (the schema
itself is in the components, app/api/openapi_components.py).
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import Request

from app.api.openapi_components import body_ref
from app.core.errors import ApiError
from app.segments.document import YAML_TYPES, parse_body

DEFINITION_LIMIT = 256 * 1024


def body_doc(model: type) -> dict[str, Any]:
    """`openapi_extra` of a route whose body is a `model` document in JSON or YAML."""
    schema = body_ref(model)
    return {"requestBody": {"required": True, "content": {
        "application/json": {"schema": schema}, **{t: {"schema": schema} for t in YAML_TYPES}}}}


async def read_document(request: Request, limit: int = DEFINITION_LIMIT) -> Any:
    """The parsed body; 413 past `limit` bytes, 400/415 from `parse_body`."""
    raw = await request.body()
    if len(raw) > limit:
        raise ApiError(413, "payload_too_large", f"definitions are limited to {limit} bytes")
    # parsing is CPU work: in a thread, so other requests keep being answered meanwhile
    return await asyncio.to_thread(parse_body, raw, request.headers.get("content-type"))
