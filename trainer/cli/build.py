"""`profilegraph build-model`: the training-free graph-filter model, built from the
consented graph with numpy/scipy alone (no train extra; 13 s on the demo store, 143 s with an
imported Online Retail II year, README), validated and promoted when it beats
the serving model on the same validation split. `make run` calls it so a fresh install serves
personalized lists from its first minute; the API's model refresh runs it in a subprocess
(`--families quick --summary-json --no-record-refresh`) whenever the store has changed enough.
Run by hand, it takes the refresh's build lease first (`trainer.refresh_record`): while a
refresh build runs it waits (or, with `--no-wait`, says so and stops), and the refresh does
not start one while it builds."""

from __future__ import annotations

import json
import resource
import time
from enum import StrEnum

import typer
from rich.console import Console
from rich.table import Table

from recmodel.artifact_format import current_version
from trainer.cli.target import HALF_LIFE_HELP, WINDOW_HELP, Target, target_of

console = Console()
# The one line `--summary-json` prints, read by the API's model refresh.
SUMMARY_PREFIX = "PROFILEGRAPH_BUILD "


class Families(StrEnum):
    auto = "auto"  # the quick ones, and the searched filter family when torch is installed
    quick = "quick"  # GF-CF and Turbo-CF (numpy): the model refresh's quick rebuild
    graph_filter = "graph_filter"  # GF-CF alone


def _cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _summary(enabled: bool, started: float, **fields: object) -> None:
    if enabled:
        fields = {**fields, "seconds": round(time.perf_counter() - started, 2),
                  "cpu_s": round(_cpu_seconds(), 2)}
        typer.echo(SUMMARY_PREFIX + json.dumps(fields, default=str))


def build_model(
    ctx: typer.Context,
    if_missing: bool = typer.Option(
        False, "--if-missing", help="Do nothing when a model is already promoted"),
    half_life_days: float = typer.Option(30.0, help=HALF_LIFE_HELP),
    window_days: float = typer.Option(365.0, help=WINDOW_HELP),
    families: Families = typer.Option(Families.auto, help="Candidate families"),
    summary_json: bool = typer.Option(
        False, "--summary-json", help=f"End with one line '{SUMMARY_PREFIX}{{json}}'"),
    by: str = typer.Option("build-model", help="Who asked (recorded in the promotion log)"),
    record_refresh: bool = typer.Option(
        True, "--record-refresh/--no-record-refresh",
        help="Take the model refresh's build lease (wait while a refresh build runs) and record "
             "the build on its state; the API's refresh, which holds the lease, passes --no-...)"),
    wait: bool = typer.Option(
        True, "--wait/--no-wait",
        help="While another build holds the lease: wait for it (default) or stop at once"),
    lease_s: float = typer.Option(
        3600.0, help="Seconds the lease is held at most (it expires if this process dies)"),
) -> None:
    """Build the graph-filter models from the consented graph (GF-CF, and the searched
    filter family when torch is installed), keep the validation winner, promote it if it
    beats the serving model scored on the same validation split. One build at a time: a
    build by hand takes the API's model refresh lease, and waits while a build runs."""
    from trainer.refresh_record import Lease, acquire, finish

    started = time.perf_counter()
    target = target_of(ctx)
    if if_missing and current_version(target.artifacts_dir) is not None:
        console.print(f"model {current_version(target.artifacts_dir)} is promoted; "
                      "keeping it (run without --if-missing to rebuild)")
        return
    lease = None
    if record_refresh:
        got = acquire(target.connection, lease_s, wait, console.print)
        if not isinstance(got, Lease):
            console.print(f"[yellow]{got.describe()}: not building (run again, or without "
                          "--no-wait to wait for it)[/]")
            raise typer.Exit(1)
        lease = got
    outcome, reason, version = "failed", "interrupted", None
    try:
        outcome, reason, version = _build(target, half_life_days, window_days, families,
                                          summary_json, by, started)
    except BaseException as exc:
        reason = f"{type(exc).__name__}: {exc}"
        raise
    finally:
        if lease is not None:  # frees the lease; the refresh counts new events from here
            finish(target.connection, lease, outcome, reason, version,
                   time.perf_counter() - started, _cpu_seconds())


def _build(target: Target, half_life_days: float, window_days: float, families: Families,
           summary_json: bool, by: str, started: float) -> tuple[str, str, str | None]:
    """Export, build, judge and publish; the outcome, its reason and the version written."""
    from trainer.build_model import QUICK, publish_graph_filter
    from trainer.read_graph import ExportSettings, export_interactions

    with console.status("exporting consented interactions from Neo4j"):
        data = export_interactions(
            target.connection,
            ExportSettings(half_life_days=half_life_days, window_days=window_days or None))
    console.print(export_line(data))
    if data.train.nnz == 0:
        console.print("[yellow]no consented interactions yet; nothing to build[/]")
        _summary(summary_json, started, outcome="empty", reason="no consented interactions")
        return "empty", "no consented interactions", None
    chosen = {Families.auto: None, Families.quick: QUICK,
              Families.graph_filter: ("graph_filter",)}[families]
    result = publish_graph_filter(data, target.artifacts_dir, families=chosen, by=by)
    table = Table(title=f"graph filter, validation (chosen: {result.choice.params})")
    for col in ("rank", "alpha", "recall@20", "ndcg@20"):
        table.add_column(col)
    for row in result.choice.table:
        table.add_row(str(row["rank"]), str(row["alpha"]), f"{row['recall@20']:.4f}",
                      f"{row['ndcg@20']:.4f}")
    console.print(table)
    compared = Table(title=f"candidates on the same validation split (winner: {result.winner})")
    for col in ("model", "recall@20", "ndcg@20"):
        compared.add_column(col)
    for name, m in result.candidates.items():
        compared.add_row(name, f"{m.get('recall@20', 0):.4f}", f"{m.get('ndcg@20', 0):.4f}")
    console.print(compared)
    console.print(f"validation: {result.validation}")
    console.print(f"artifact {result.path} in {result.seconds:.1f}s: {result.reason}")
    outcome = "promoted" if result.promoted else "kept"
    _summary(summary_json, started, outcome=outcome,
             reason=result.reason, version=result.version, model=result.winner,
             users=data.n_users, items=data.n_items, interactions=int(data.train.nnz),
             val=result.val.get("recall@20"))
    return outcome, result.reason, result.version


def export_line(data) -> str:
    """What the export read, in a user's words (the trainer's `train`/`test` split does not
    apply here: every interaction trains, and validation is carved out of them)."""
    return (f"exported {data.n_users} shoppers with personalization consent, {data.n_items} "
            f"items, {data.train.nnz} distinct shopper-item pairs from "
            f"{data.meta.get('events')} events")
