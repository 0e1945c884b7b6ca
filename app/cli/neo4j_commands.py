"""`profilegraph neo4j install|start|stop|status`: the local Neo4j server."""

from __future__ import annotations

import typer
from rich.console import Console

from app.cli.server_commands import add_server_commands
from app.ops import neo4j_server

app = typer.Typer(help="Manage the local Neo4j Community server (jars from Maven Central).")
console = Console(stderr=True)

install, start, stop, status = add_server_commands(
    app, console, neo4j_server, name="Neo4j", error=neo4j_server.Neo4jServerError,
    noun="server", ready="Bolt answers")
