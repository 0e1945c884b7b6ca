"""`profilegraph neo4j install|start|stop|status`: the local Neo4j server."""

from __future__ import annotations

import time

import typer
from rich.console import Console

from app.core.config import get_settings
from app.ops import neo4j_server
from app.ops.java import JavaError

app = typer.Typer(help="Manage the local Neo4j Community server (jars from Maven Central).")
console = Console(stderr=True)


def _fail(exc: Exception) -> None:
    console.print(f"[red]error:[/red] {exc}")
    raise typer.Exit(1)


@app.command()
def install() -> None:
    """Fetch the Neo4j jars (cached; a second run does nothing)."""
    started = time.monotonic()
    try:
        fetched = neo4j_server.install(get_settings(), log=console.print)
    except (JavaError, neo4j_server.Neo4jServerError) as exc:
        _fail(exc)
    what = "installed" if fetched else "already installed"
    console.print(f"Neo4j {what} ({time.monotonic() - started:.1f}s)")


@app.command()
def start() -> None:
    """Start in the background and wait until Bolt answers."""
    settings = get_settings()
    started = time.monotonic()
    try:
        before = neo4j_server.status(settings)
        state = neo4j_server.start(settings)
    except (JavaError, neo4j_server.Neo4jServerError) as exc:
        _fail(exc)
    if before.running:
        console.print(f"Neo4j already {state.describe()}")
    else:
        console.print(f"Neo4j {state.describe()} (started in {time.monotonic() - started:.1f}s)")


@app.command()
def stop() -> None:
    """Stop the server this project started."""
    stopped = neo4j_server.stop(get_settings())
    console.print("Neo4j stopped" if stopped else "Neo4j was not running")


@app.command()
def status() -> None:
    """Print whether the server runs; exit code 3 when it does not."""
    state = neo4j_server.status(get_settings())
    typer.echo(f"Neo4j {state.describe()}")
    if not state.running:
        raise typer.Exit(3)
