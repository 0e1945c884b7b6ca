"""The `cursor` query parameter of the API's paged lists, as their routes declare it."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

# Opaque (app/core/cursor.py): URL-safe base64 without padding. The pattern states its
# alphabet; only a cursor this API returned decodes (else a 422 naming `cursor`).
CursorQuery = Annotated[str | None, Query(
    max_length=1000, pattern=r"^[A-Za-z0-9_-]+$",
    description="the `next_cursor` of the previous page (opaque)")]
