"""Audience export: a segment's members with chosen traits, as CSV or NDJSON, streamed.

Members are read in pages in user_id order after a cursor (the last id of the page before),
so no member list is ever held whole: memory stays one page, whatever the segment's size.
Only profiles that granted the `marketing` purpose are exported (docs/graph-model.md:
exports are marketing use). The pages are separate reads: a member who enters or leaves
during a long export may be missing or included, as with any paged listing.

Fields: `user_id` and `since` always; then each requested trait, read from the property that
app/segments/export_fields.py maps its name to (computed and predicted traits under the names
segment rules use, hashed identities, identify traits); a name no profile could hold is
refused (422) before the stream starts.
Money totals (`revenue_total`) are rounded to cents here; the graph keeps the exact sum.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import AsyncIterator
from enum import StrEnum
from typing import Any

import orjson

from app.core.errors import ApiError
from app.core.numbers import cents
from app.db.database import Database
from app.db.values import native
from app.segments.export_fields import IDENTITY_FIELDS, check_names, property_of

PAGE_SIZE = 1000
# money totals: exact sums in the graph, rounded to cents in the export (app/core/numbers.py)
MONEY = frozenset({"revenue_total", "pred_value_90d"})
_NAME = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")
# the `traits` parameter as the published schema states it (what parse_traits accepts)
TRAITS_PATTERN = r"^ *(?:[A-Za-z0-9_.\-]{1,64} *(?:, *[A-Za-z0-9_.\-]{1,64} *)*)?$"
# A cell starting with one of these is a formula to a spreadsheet: quoted (OWASP CSV injection)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class ExportFormat(StrEnum):
    csv = "csv"
    ndjson = "ndjson"


MEDIA_TYPES = {ExportFormat.csv: "text/csv; charset=utf-8",
               ExportFormat.ndjson: "application/x-ndjson"}


def parse_traits(raw: str | None) -> list[str]:
    """The `traits` parameter (comma-separated names), checked; 422 naming it otherwise."""
    names = [t.strip() for t in (raw or "").split(",") if t.strip()]
    bad = [t for t in names if not _NAME.match(t)]
    if bad:
        raise ApiError(422, "invalid_request", f"traits: invalid name {bad[0][:70]!r}",
                       [{"field": "traits", "reason": "names are 1-64 letters, digits, _ . -"}])
    return list(dict.fromkeys(names))


def _json_value(value: Any) -> Any:
    value = native(value)
    return value.isoformat() if hasattr(value, "isoformat") else value


def _cell(value: Any) -> str:
    value = _json_value(value)
    if value is None:
        return ""
    if isinstance(value, list | dict):
        text = orjson.dumps(value).decode()
    elif isinstance(value, bool):
        text = "true" if value else "false"
    else:
        text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


class AudienceExport:
    def __init__(self, db: Database, page_size: int = PAGE_SIZE) -> None:
        self._db = db
        self._page_size = page_size

    async def check(self, traits: list[str]) -> None:
        """422 naming `traits` unless each name can hold a value (before any byte streams)."""
        await check_names(self._db, traits)

    async def _pages(self, segment_id: str, traits: list[str]
                     ) -> AsyncIterator[list[dict[str, Any]]]:
        keys = [property_of(t) for t in traits if t not in IDENTITY_FIELDS]
        kinds = [t for t in traits if t in IDENTITY_FIELDS]
        after: str | None = None
        while True:
            rows = await self._db.read_named(
                "segments/export_members", segment_id=segment_id, after=after,
                limit=self._page_size, keys=keys, identity_kinds=kinds)
            if not rows:
                return
            after = rows[-1]["user_id"]
            page = []
            for r in rows:
                if not r["consented"]:
                    continue
                values = {k: cents(v) if k in MONEY else v
                          for k, v in zip(keys, r["values"], strict=True)}
                identities = {kind: value for kind, value in r["identities"]}
                page.append({"user_id": r["user_id"], "since": r["since"],
                             **{t: identities.get(t) if t in IDENTITY_FIELDS
                                else values[property_of(t)] for t in traits}})
            yield page
            if len(rows) < self._page_size:
                return

    async def stream(self, segment_id: str, traits: list[str], fmt: ExportFormat
                     ) -> AsyncIterator[bytes]:
        """The export's bytes, one chunk per page (the header first, for CSV)."""
        columns = ["user_id", "since", *traits]
        if fmt is ExportFormat.csv:
            yield _csv_lines([columns])
        async for page in self._pages(segment_id, traits):
            if not page:
                continue
            if fmt is ExportFormat.csv:
                yield _csv_lines([[_cell(row[c]) for c in columns] for row in page])
            else:
                yield b"".join(orjson.dumps({c: _json_value(row[c]) for c in columns}) + b"\n"
                               for row in page)


def _csv_lines(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode()
