"""`profilegraph migrate [info|validate]`: versioned schema migrations."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import typer
from rich.console import Console
from rich.table import Table

from app.core.config import get_settings
from app.core.paths import MIGRATIONS_DIR
from app.db.driver import create_driver
from app.migrate.runner import MigrationError, MigrationRunner

app = typer.Typer(help="Versioned schema migrations (history kept in the graph).")
console = Console()
T = TypeVar("T")


def _run(action: Callable[[MigrationRunner], Awaitable[T]]) -> T:
    async def go() -> T:
        settings = get_settings()
        driver = create_driver(settings)
        try:
            runner = MigrationRunner(
                driver, MIGRATIONS_DIR, database=settings.neo4j_database,
                lock_timeout_s=settings.migration_lock_timeout_s,
                lock_stale_s=settings.migration_lock_stale_s,
            )
            return await action(runner)
        finally:
            await driver.close()

    return asyncio.run(go())


@app.callback(invoke_without_command=True)
def migrate(ctx: typer.Context) -> None:
    """Apply pending migrations in order."""
    if ctx.invoked_subcommand is None:
        apply_migrations()


def apply_migrations() -> None:
    try:
        applied = _run(lambda r: r.migrate())
    except MigrationError as exc:
        console.print(f"[red]refused:[/red] {exc}")
        raise typer.Exit(1) from None
    for m in applied:
        console.print(f"applied V{m.version} {m.description}")
    console.print(f"{len(applied)} migration(s) applied; schema is up to date")


@app.command()
def info() -> None:
    """List applied and pending migrations."""
    rows = _run(lambda r: r.info())
    table = Table("version", "description", "state", "installed on", "source")
    for row in rows:
        table.add_row(row.version, row.description, row.state.value, row.installed_on or "",
                      row.source)
    console.print(table)


@app.command()
def validate() -> None:
    """Check applied migrations against the files; exit 1 on any problem."""
    problems = _run(lambda r: r.validate())
    for p in problems:
        console.print(f"[red]invalid:[/red] {p}")
    if problems:
        raise typer.Exit(1)
    console.print("migrations valid")
