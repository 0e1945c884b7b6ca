"""A local append-only journal of exposures: what makes recording them "never lost".

Every exposure is appended (one JSON line, handed to the OS before the response leaves) to
the open segment file, which this process holds under an exclusive flock. The writer rotates
the segment and writes closed segments to the graph; a segment is deleted only after its
transaction committed. A segment whose write failed stays on disk and is retried; segments
left by a process that stopped or crashed are unlocked and replayed by whichever process
finds them first (at start and on every tick). Writes are idempotent on recommendation_id,
so a segment replayed twice changes nothing. Not fsynced: it survives a process crash and a
Neo4j outage, not the loss of the machine's page cache.
"""

from __future__ import annotations

import fcntl
import logging
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import orjson

log = logging.getLogger("profilegraph.experiments.journal")
PREFIX, SUFFIX = "exposures-", ".jsonl"


class ExposureJournal:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self._file: IO[bytes] | None = None
        self._path: Path | None = None
        self._pending: list[dict[str, Any]] = []

    def _open(self) -> None:
        self._path = self.directory / f"{PREFIX}{os.getpid()}-{uuid.uuid4().hex}{SUFFIX}"
        self._file = open(self._path, "ab")  # noqa: SIM115 - held open across appends
        fcntl.flock(self._file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)

    def append(self, record: dict[str, Any]) -> None:
        if self._file is None:
            self._open()
        assert self._file is not None
        self._file.write(orjson.dumps(record) + b"\n")
        self._file.flush()  # in the OS now: a crash of this process loses nothing
        self._pending.append(record)

    @property
    def pending(self) -> int:
        return len(self._pending)

    def rotate(self) -> tuple[Path, list[dict[str, Any]]] | None:
        """Close the open segment (releasing its lock) and return it with its records."""
        if self._file is None or self._path is None:
            return None
        self._file.close()
        closed = (self._path, self._pending)
        self._file, self._path, self._pending = None, None, []
        return closed

    def closed_segments(self) -> list[Path]:
        """Segments not being appended to by this process, oldest first."""
        found = [p for p in self.directory.glob(f"{PREFIX}*{SUFFIX}") if p != self._path]
        return sorted(found, key=lambda p: (p.stat().st_mtime_ns, p.name))

    @contextmanager
    def claim(self, path: Path) -> Iterator[IO[bytes] | None]:
        """The segment, locked for this process; None when another process holds it or it is
        gone (another process wrote it)."""
        try:
            handle = open(path, "rb")  # noqa: SIM115 - closed below
        except FileNotFoundError:
            yield None
            return
        try:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield None
                return
            if not path.exists():  # written and deleted between our open and our lock
                yield None
                return
            yield handle
        finally:
            handle.close()

    @staticmethod
    def read(handle: IO[bytes]) -> list[dict[str, Any]]:
        records = []
        for line in handle.read().splitlines():
            try:
                records.append(orjson.loads(line))
            except orjson.JSONDecodeError:
                # A line cut short by a crash mid-append: the exposure never reached the OS
                # whole, so no response depended on it being complete.
                log.warning("skipping a truncated journal line")
        return records

    def backlog(self) -> int:
        """Exposures on disk not yet written (an estimate: line counts of every segment)."""
        total = 0
        for path in self.directory.glob(f"{PREFIX}*{SUFFIX}"):
            try:
                with open(path, "rb") as handle:
                    total += sum(1 for _ in handle)
            except FileNotFoundError:
                continue
        return total
