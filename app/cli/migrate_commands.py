"""`profilegraph migrate [info|validate]`: versioned schema migrations."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from app.cli.services import run_with_services
from app.migrate.runner import MigrationError

app = typer.Typer(help="Versioned schema migrations (history kept in the graph).")
console = Console()


@app.callback(invoke_without_command=True)
def migrate(ctx: typer.Context) -> None:
    """Apply pending migrations in order."""
    if ctx.invoked_subcommand is None:
        apply_migrations()


def apply_migrations() -> None:
    try:
        applied = run_with_services(lambda s: s.migrations.migrate())
    except MigrationError as exc:
        console.print(f"[red]refused:[/red] {exc}")
        raise typer.Exit(1) from None
    for m in applied:
        console.print(f"applied V{m.version} {m.description}")
    console.print(f"{len(applied)} migration(s) applied; schema is up to date")


@app.command()
def info() -> None:
    """List applied and pending migrations."""
    rows = run_with_services(lambda s: s.migrations.info())
    table = Table("version", "description", "state", "installed on", "source")
    for row in rows:
        table.add_row(row.version, row.description, row.state.value, row.installed_on or "",
                      row.source)
    console.print(table)


@app.command()
def validate() -> None:
    """Check applied migrations against the files; exit 1 on any problem."""
    problems = run_with_services(lambda s: s.migrations.validate())
    for p in problems:
        console.print(f"[red]invalid:[/red] {p}")
    if problems:
        raise typer.Exit(1)
    console.print("migrations valid")
