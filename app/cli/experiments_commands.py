"""`profilegraph experiments ...`: define, start, stop and read experiments from the shell."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import typer

from app.cli.services import run_with_services
from app.experiments.experiment_service import ExperimentService
from app.segments.document import parse_body
from app.wiring import Services

app = typer.Typer(help="Experiments: A/B tests and bandits of recommendation strategies.",
                  no_args_is_help=True)
T = TypeVar("T")


def _run(action: Callable[[ExperimentService], Awaitable[T]]) -> T:
    async def go(services: Services) -> T:
        # Starting checks each variant's strategy against the promoted model.
        await asyncio.to_thread(services.models.reload_if_changed)
        return await action(services.experiments.service)

    return run_with_services(go)


def _print(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, default=str))


@app.command()
def upload(path: Path = typer.Argument(..., exists=True, dir_okay=False,
                                       help="Definition file (.json, .yaml)")) -> None:
    """Upload a definition (a new version when the id exists)."""
    kind = "application/yaml" if path.suffix.lower() in (".yaml", ".yml") else "application/json"
    detail = _run(lambda s: s.create(parse_body(path.read_bytes(), kind)))
    typer.echo(f"{detail['experiment_id']} version {detail['version']} ({detail['status']})")


@app.command("list")
def list_(include_archived: bool = typer.Option(False, "--all",
                                                help="Archived experiments too")) -> None:
    """Every experiment with its status (archived ones with --all)."""
    for e in _run(lambda s: s.list_all(include_archived)):
        typer.echo(f"{e['experiment_id']}\t{e['status']}\tv{e['version']}\t{e['name']}")


@app.command()
def show(experiment_id: str) -> None:
    """One experiment's definition and state."""
    _print(_run(lambda s: s.get(experiment_id)))


@app.command()
def start(experiment_id: str) -> None:
    """Start serving the experiment's variants (only one runs at a time)."""
    typer.echo(_run(lambda s: s.start(experiment_id))["status"])


@app.command()
def stop(experiment_id: str) -> None:
    """Stop the experiment: its last day becomes the final look."""
    typer.echo(_run(lambda s: s.stop(experiment_id))["status"])


@app.command()
def archive(experiment_id: str) -> None:
    """Archive a draft or stopped experiment: hidden from `list`, results kept."""
    typer.echo(_run(lambda s: s.archive(experiment_id))["status"])


@app.command()
def delete(experiment_id: str,
           yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation")) -> None:
    """Delete an experiment that is not running, with its versions, exposures and recorded
    variants."""
    if not yes:
        typer.confirm(f"Delete experiment {experiment_id} with its exposures and results?",
                      abort=True)
    done = _run(lambda s: s.delete(experiment_id))
    typer.echo(f"deleted {experiment_id}: {done['exposures_deleted']} exposures, "
               f"{done['assignments_deleted']} assignments, "
               f"{done['versions_deleted']} versions")


@app.command()
def results(experiment_id: str,
            as_json: bool = typer.Option(False, "--json", help="The full results as JSON")) -> None:
    """Per-variant estimates, comparisons, SRM, sample size and the sequential verdict."""
    body = _run(lambda s: s.results(experiment_id))
    if as_json:
        _print(body)
        return
    metric = body["primary_metric"]
    typer.echo(f"{experiment_id} ({body['status']}, {body['mode']}), decision metric: {metric}")
    for v in body["variants"]:
        est = v[metric]
        ci = est["ci"]
        share = f"  allocation now {v['allocation']:.1%}" if body["mode"] == "bandit" else ""
        typer.echo(f"  {v['name']:<12} exposures {v['exposures']:>8}  shoppers {v['shoppers']:>7}"
                   f"  {metric} {_fmt(est['value'])} [{_fmt(ci[0])}, {_fmt(ci[1])}]{share}")
    for c in body["comparisons"]:
        if c["primary"]:
            typer.echo(f"  {c['variant']} vs control on {metric} (decision metric): lift "
                       f"{fmt_lift(c['relative_lift_percent'])}, P(beat control) "
                       f"{_fmt(c['probability_to_beat_control'])}, verdict {c['verdict']}")
            if c.get("verdict_reason"):
                typer.echo(f"    {c['verdict_reason']}")
        else:
            typer.echo(f"  {c['variant']} vs control on {c['metric']} (guardrail): lift "
                       f"{fmt_lift(c['relative_lift_percent'])}, {c['guardrail']}")
    srm = body["sample_ratio_mismatch"]
    if srm is not None:
        typer.echo(f"  SRM: chi2 {srm['chi2']:.2f}, p {srm['p_value']:.2g}"
                   + (" -- MISMATCH: do not trust these results" if srm["flagged"] else ""))
    size = body["sample_size"]
    typer.echo(f"  sample: smallest variant {size['smallest_variant']}, "
               f"needed {size['required_per_variant']} per variant")


def fmt_lift(percent: float | None) -> str:
    """+52.9% for a relative lift of 0.529."""
    return "n/a" if percent is None else f"{percent:+.1f}%"


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4g}"
