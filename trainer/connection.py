"""Where the trainer reads the graph from: one object, handed in by its caller."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Neo4jConnection:
    uri: str
    user: str
    password: str
    database: str | None = None
