"""`profilegraph train|evaluate|train-loop`: forwarded to the gnn CLI, imported only when run.

The serving process must never import torch, and `profilegraph serve` runs in this same
process, so the training commands load `gnn.cli` (and torch) lazily.
"""

from __future__ import annotations

import contextlib
import os

import typer

from app.core.config import get_settings

PASS_THROUGH = {"allow_extra_args": True, "ignore_unknown_options": True}


def _forward(command: str, ctx: typer.Context) -> None:
    try:
        from gnn.cli import app as gnn_app
    except ImportError as exc:  # the training extra is optional
        typer.echo(f"Training needs the 'train' extra (pip install -e '.[train]'): {exc}",
                   err=True)
        raise typer.Exit(1) from exc
    _share_connection_settings()
    gnn_app([command, *ctx.args], prog_name="profilegraph")


def _share_connection_settings() -> None:
    """The gnn CLI reads PROFILEGRAPH_* variables; fill them from the service settings so a
    local setup (generated password, derived URI) needs no flags."""
    settings = get_settings()
    os.environ.setdefault("PROFILEGRAPH_NEO4J_URI", settings.neo4j_uri)
    os.environ.setdefault("PROFILEGRAPH_NEO4J_USER", settings.neo4j_user)
    os.environ.setdefault("PROFILEGRAPH_NEO4J_DATABASE", settings.neo4j_database)
    os.environ.setdefault("PROFILEGRAPH_ARTIFACTS_DIR", str(settings.artifacts_dir))
    with contextlib.suppress(RuntimeError):
        os.environ.setdefault("PROFILEGRAPH_NEO4J_PASSWORD", settings.resolved_neo4j_password())


def register(app: typer.Typer) -> None:
    @app.command(context_settings=PASS_THROUGH, add_help_option=False)
    def train(ctx: typer.Context) -> None:
        """Export the consented graph, train LightGCN, evaluate, promote if better."""
        _forward("train", ctx)

    @app.command(context_settings=PASS_THROUGH, add_help_option=False)
    def evaluate(ctx: typer.Context) -> None:
        """Evaluate on a public split: --dataset gowalla|lastfm|online_retail PATH."""
        _forward("evaluate", ctx)

    @app.command("train-loop", context_settings=PASS_THROUGH, add_help_option=False)
    def train_loop(ctx: typer.Context) -> None:
        """Retrain on a schedule."""
        _forward("loop", ctx)
