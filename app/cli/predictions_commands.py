"""`profilegraph predictions refresh|show`: the predicted traits and clusters now, and the
latest refresh's record (models chosen, validation figures, clusters)."""

from __future__ import annotations

import json

import typer
from rich.console import Console

from app.cli.services import run_with_services

app = typer.Typer(help="Predicted traits (purchase in 30 days, value over 90 days) and "
                       "behavioural clusters.", no_args_is_help=True)
console = Console()


@app.command()
def refresh() -> None:
    """Train on the graph's history, score every consented shopper, record the run."""
    record = run_with_services(lambda s: s.predictions.run_once())
    if record is None:
        console.print("another process is refreshing predictions; try again later")
        raise typer.Exit(1)
    _print(record)


@app.command()
def show(as_json: bool = typer.Option(False, "--json")) -> None:
    """The latest refresh's record."""
    record = run_with_services(lambda s: s.predictions.repository.latest_run())
    if record is None:
        console.print("no refresh recorded yet (profilegraph predictions refresh)")
        raise typer.Exit(1)
    if as_json:
        print(json.dumps(record, default=str, indent=2))
        return
    _print(record)


def _print(record: dict) -> None:
    summary = record["summary"]
    console.print(f"{record['status']}: {record['scored']} profiles scored as of "
                  f"{record['anchor']} (run {record['run_id']} at {record['at']})")
    for key in ("purchase", "value"):
        info = summary.get(key) or {}
        figures = info.get("validation_auc") or info.get("validation_rmse") or {}
        console.print(f"  {key}: {info.get('status')} {info.get('model', '')} "
                      + ", ".join(f"{k} {v:.4g}" for k, v in figures.items()))
    clusters = summary.get("clusters") or {}
    if clusters:
        console.print(f"  clusters: k={clusters['k']} by {clusters['criterion']}")
        for c in clusters["clusters"]:
            console.print(f"    {c['cluster']}: {c['size']} {c['label']} ({c['centre_text']})")
