"""Versioned migration files: `migrations/V0001__description.cypher`."""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from pathlib import Path

from app.migrate.splitter import is_schema_statement, split_statements

FILE_PATTERN = re.compile(r"^V(?P<version>\d+)__(?P<description>[A-Za-z0-9_]+)\.cypher$")


class MigrationFileError(ValueError):
    pass


@dataclass(frozen=True)
class Migration:
    version: str  # as written in the file name, e.g. "0001" (neo4j-migrations keeps it so)
    description: str
    source: str
    checksum: str  # CRC32 of the file's bytes, unsigned decimal, as neo4j-migrations stores it
    statements: tuple[str, ...]
    is_schema: bool

    @property
    def order(self) -> int:
        return int(self.version)


def load_migration(path: Path) -> Migration:
    match = FILE_PATTERN.match(path.name)
    if not match:
        raise MigrationFileError(f"{path.name}: expected V<number>__<description>.cypher")
    raw = path.read_bytes()
    statements = tuple(split_statements(raw.decode("utf-8")))
    if not statements:
        raise MigrationFileError(f"{path.name}: holds no statement")
    kinds = {is_schema_statement(s) for s in statements}
    if len(kinds) > 1:
        # Neo4j refuses schema and data writes in one transaction; keep them in separate files.
        raise MigrationFileError(f"{path.name}: mixes schema and data statements; split the file")
    return Migration(
        version=match["version"],
        description=match["description"].replace("_", " "),
        source=path.name,
        checksum=str(zlib.crc32(raw) & 0xFFFFFFFF),
        statements=statements,
        is_schema=kinds.pop(),
    )


def discover(directory: Path) -> list[Migration]:
    migrations = [load_migration(p) for p in directory.glob("V*.cypher")]
    migrations.sort(key=lambda m: m.order)
    seen: dict[int, str] = {}
    for m in migrations:
        if m.order in seen:
            raise MigrationFileError(f"Version {m.version} used twice: {seen[m.order]}, {m.source}")
        seen[m.order] = m.source
    return migrations
