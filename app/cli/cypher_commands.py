"""`profilegraph cypher ...`: read-only analyst queries and the saved ones."""

from __future__ import annotations

import csv
import json
import sys
from typing import Any

import typer

from app.analyst.analyst_service import QueryResult, load_saved
from app.cli.services import run_with_services

app = typer.Typer(help="Read-only Cypher for analysts (saved queries in cypher/analytics).",
                  no_args_is_help=True)


def _params(pairs: list[str] | None) -> dict[str, Any]:
    """`key=value` pairs; values are read as JSON when they parse, else as strings."""
    out: dict[str, Any] = {}
    for pair in pairs or []:
        key, sep, raw = pair.partition("=")
        if not sep:
            raise typer.BadParameter(f"{pair!r} is not key=value")
        try:
            out[key] = json.loads(raw)
        except ValueError:
            out[key] = raw
    return out


def _emit(result: QueryResult, as_csv: bool) -> None:
    if as_csv:
        writer = csv.writer(sys.stdout)
        writer.writerow(result.columns)
        writer.writerows([json.dumps(v) if isinstance(v, dict | list) else v for v in row]
                         for row in result.rows)
    else:
        typer.echo(json.dumps(result.as_json(), indent=2, default=str))
    if result.truncated:
        typer.echo("(rows capped; narrow the query)", err=True)


@app.command()
def run(query: str, param: list[str] = typer.Option(None, "--param", "-p"),
        as_csv: bool = typer.Option(False, "--csv")) -> None:
    """Run a read-only query (writes, schema changes and admin procedures are refused)."""
    _emit(run_with_services(lambda s: s.analyst.run(query, _params(param))), as_csv)


@app.command()
def saved() -> None:
    """List saved queries."""
    for q in load_saved().values():
        typer.echo(f"{q.name:<28} {q.description}  params={json.dumps(q.params)}")


@app.command("run-saved")
def run_saved(name: str, param: list[str] = typer.Option(None, "--param", "-p"),
              as_csv: bool = typer.Option(False, "--csv")) -> None:
    """Run a saved query by name."""
    _emit(run_with_services(lambda s: s.analyst.run_saved(name, _params(param))), as_csv)
