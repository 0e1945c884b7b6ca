"""`profilegraph model list|promote|rollback`: the model runs in the artifacts directory, and
the manual change of the promoted one, with its reason recorded in the promotion log. The API
processes load a change within `PROFILEGRAPH_MODEL_POLL_INTERVAL_S`."""

from __future__ import annotations

import asyncio
import getpass

import typer
from rich.console import Console

from app.core.config import get_settings
from app.core.errors import ApiError
from app.recommend.model_admin import ModelAdmin

app = typer.Typer(help="List model runs; promote or roll back the served model.",
                  no_args_is_help=True)
console = Console()
err = Console(stderr=True)
REASON_HELP = "Why (recorded in the promotion log beside the artifacts)"


def _admin() -> ModelAdmin:
    return ModelAdmin(get_settings().artifacts_dir)


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def _fmt(value: object) -> str:
    return f"{value:.4f}" if isinstance(value, float) else "—"


@app.command("list")
def list_runs(history: int = typer.Option(10, help="Promotion log entries shown")) -> None:
    """Runs newest first: family, validation Recall@20, and how the build judged it against
    the model it would replace (both on the build's own split)."""
    admin = _admin()
    typer.echo("version  status  model  trained  val_recall@20  serving_model_same_split  "
               "decision")
    for run in admin.runs():
        judged = run.manifest.get("promotion") or {}
        decision = "" if not judged else ("won" if judged.get("promote") else "refused")
        typer.echo("  ".join([
            run.version, "promoted" if run.promoted else "-", str(run.manifest.get("model")),
            str(run.manifest.get("trained_at", ""))[:16].replace("T", " ") or "-",
            _fmt(run.metrics.get("val", {}).get("recall@20")),
            _fmt(judged.get("incumbent_score")), decision or "-"]))
    for entry in admin.history()[-history:]:
        typer.echo(f"{entry.get('at', '')[:19]}  {entry.get('action')} {entry.get('version')} "
                      f"(was {entry.get('previous')}) by {entry.get('by')}: "
                      f"{entry.get('reason', '')}")


def _run(change) -> str:
    try:
        return asyncio.run(change)
    except ApiError as exc:
        err.print(f"[red]{exc.code}:[/red] {exc.message}")
        raise typer.Exit(1) from None


@app.command()
def promote(version: str = typer.Argument(..., help="A version shown by `model list`"),
            reason: str = typer.Option(..., help=REASON_HELP)) -> None:
    """Serve `version` (no comparison: an operator's decision, logged with its reason)."""
    console.print(f"promoted {_run(_admin().promote(version, _actor(), reason))}")


@app.command()
def rollback(reason: str = typer.Option(..., help=REASON_HELP)) -> None:
    """Return to the model promoted before the current one."""
    console.print(f"rolled back to {_run(_admin().rollback(_actor(), reason))}")
