"""Segment messages from newline-delimited JSON (a Segment/RudderStack archive or warehouse
dump): one message, or one `{"batch": [...]}` object, per line; `.gz` files are read as gzip.

Invalid lines are skipped and reported by line number; the rest go through the intake
pipeline in batches, so a re-run stores nothing twice (messageId).
"""

from __future__ import annotations

import gzip
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import orjson

from app.importers.pipeline import Totals
from app.intake.intake_service import IntakeService
from app.intake.messages import Message, MessageError, parse_message, parse_time

SOURCE = "import:segment"


@dataclass
class NdjsonSummary:
    lines: int = 0
    messages: int = 0
    invalid: list[tuple[int, str]] = field(default_factory=list)  # (line number, reason)
    totals: Totals = field(default_factory=Totals)
    seconds: float = 0.0


def _open(path: Path) -> IO[bytes]:
    return gzip.open(path, "rb") if path.suffix == ".gz" else path.open("rb")


def _parse(raw: Any, index: int, where: str, now: datetime) -> Message:
    received = parse_time(raw.get("receivedAt"), where + "receivedAt") \
        if isinstance(raw, dict) else None
    return parse_message(raw, index, received or now, prefix=where,
                         correct_skew=received is not None)


def read_messages(path: Path, summary: NdjsonSummary, now: datetime) -> Iterator[Message]:
    with _open(path) as fh:
        for number, line in enumerate(fh, start=1):
            summary.lines += 1
            if not line.strip():
                continue
            try:
                raw = orjson.loads(line)
                items = raw["batch"] if isinstance(raw, dict) and "batch" in raw else [raw]
                if not isinstance(items, list):
                    raise MessageError("batch", "must be an array")
                parsed = [_parse(m, 0, f"batch.{i}." if len(items) > 1 else "", now)
                          for i, m in enumerate(items)]
            except orjson.JSONDecodeError:
                summary.invalid.append((number, "not valid JSON"))
                continue
            except MessageError as exc:
                summary.invalid.append((number, f"{exc.field}: {exc.reason}"))
                continue
            yield from parsed


async def import_segment_ndjson(
    intake: IntakeService, path: Path, *, batch_size: int = 500,
    progress: Callable[[int], None] | None = None,
) -> NdjsonSummary:
    started = time.perf_counter()
    summary = NdjsonSummary()
    batch: list[Message] = []

    async def flush() -> None:
        if batch:
            summary.totals.add(await intake.ingest(batch, source=SOURCE))
            if progress:
                progress(len(batch))
            batch.clear()

    for message in read_messages(path, summary, datetime.now(UTC)):
        message.index = len(batch)
        batch.append(message)
        summary.messages += 1
        if len(batch) >= batch_size:
            await flush()
    await flush()
    summary.seconds = time.perf_counter() - started
    return summary
