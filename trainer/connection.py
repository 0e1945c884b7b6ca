"""Where the trainer reads the graph from: one object, built from the service's settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.core.config import Settings


@dataclass(frozen=True)
class Neo4jConnection:
    uri: str
    user: str
    password: str
    database: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> Neo4jConnection:
        """The service's connection (PROFILEGRAPH_NEO4J_*, or the generated local password)."""
        user, password = settings.neo4j_auth
        return cls(settings.neo4j_uri, user, password, settings.neo4j_database)
