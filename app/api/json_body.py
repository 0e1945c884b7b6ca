"""Reads a JSON request body under a size limit, gzip included (Segment SDKs may compress).

The limit applies to the decompressed size, and decompression stops as soon as it is passed,
so a small compressed body cannot expand into a large one in memory.
"""

from __future__ import annotations

import zlib
from typing import Any

import orjson
from fastapi import Request

from app.core.errors import ApiError


def _too_large(limit: int) -> ApiError:
    message = f"request body is larger than {limit // 1024} KB"
    return ApiError(413, "payload_too_large", message, [{"field": "body", "reason": message}])


async def read_json(request: Request, limit: int) -> tuple[Any, int]:
    """(parsed body, decompressed size in bytes)."""
    encoding = request.headers.get("content-encoding", "identity").strip().lower()
    if encoding not in ("identity", "", "gzip"):
        raise ApiError(415, "unsupported_encoding", f"Content-Encoding '{encoding}' is not "
                       "supported (use gzip or none)")
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS) if encoding == "gzip" else None
    parts: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        if inflater is not None:
            try:
                chunk = inflater.decompress(chunk, limit + 1 - size)
            except zlib.error:
                raise ApiError(400, "invalid_body", "body is not valid gzip") from None
            if inflater.unconsumed_tail:
                raise _too_large(limit)
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        parts.append(chunk)
    if inflater is not None and not inflater.eof:
        raise ApiError(400, "invalid_body", "gzip body is truncated")
    raw = b"".join(parts)
    if not raw:
        raise ApiError(400, "invalid_body", "request body is empty",
                       [{"field": "body", "reason": "empty"}])
    try:
        return orjson.loads(raw), size
    except orjson.JSONDecodeError as exc:
        raise ApiError(400, "invalid_json", f"body is not valid JSON: {exc}",
                       [{"field": "body", "reason": "invalid JSON"}]) from None
