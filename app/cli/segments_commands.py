"""`profilegraph segments ...`: upload, inspect, refresh and sweep segments from the shell."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from pydantic import BaseModel

from app.cli.services import run_with_services
from app.segments.document import parse_body
from app.segments.segment_service import SegmentService

app = typer.Typer(help="Segments: definitions, membership refresh and the time sweep.",
                  no_args_is_help=True)


def _print(data: BaseModel | dict[str, Any]) -> None:
    if isinstance(data, BaseModel):
        typer.echo(data.model_dump_json(indent=2))
    else:
        typer.echo(json.dumps(data, indent=2, default=str))


def _document(path: Path) -> Any:
    kind = "application/yaml" if path.suffix.lower() in (".yaml", ".yml") else "application/json"
    return parse_body(path.read_bytes(), kind)


@app.command()
def upload(path: Path = typer.Argument(..., exists=True, dir_okay=False,
                                       help="Definition file (.json, .yaml)")) -> None:
    """Upload a definition (a new version when the id exists) and materialize membership."""
    detail = run_with_services(lambda s: s.segments.create(_document(path)))
    typer.echo(f"{detail.segment_id} version {detail.version}: {detail.size} members")


@app.command()
def preview(path: Path = typer.Argument(..., exists=True, dir_okay=False)) -> None:
    """Count and sample members of a definition without saving it."""
    _print(run_with_services(lambda s: s.segments.preview(_document(path))))


@app.command("list")
def list_segments() -> None:
    """Every segment with its version and size."""
    for seg in run_with_services(lambda s: s.segments.list_all()):
        typer.echo(f"{seg.segment_id:<32} v{seg.version:<4} {seg.size:>10} members  {seg.name}")


@app.command()
def show(segment_id: str) -> None:
    """Definition, compiled Cypher and size of one segment."""
    _print(run_with_services(lambda s: s.segments.get(segment_id)))


@app.command()
def delete(segment_id: str) -> None:
    """Delete a segment, its versions, membership and history (refused while others refer to
    it), in bounded transactions, however large."""
    progress = run_with_services(lambda s: s.segments.delete(segment_id))
    d = progress.deleted
    typer.echo(f"deleted {segment_id}: {d['membership_changes']:,} membership changes, "
               f"{d['members']:,} memberships, {d['versions']:,} versions in "
               f"{progress.transactions:,} transactions")


@app.command()
def refresh(segment_ids: list[str] = typer.Argument(None, help="Segments (default: all)")
            ) -> None:
    """Recompute membership now (references first), recording entries and exits."""
    results = run_with_services(lambda s: s.membership.refresh(segment_ids or None))
    for r in results:
        typer.echo(f"{r.segment_id:<32} {r.size:>10} members  +{r.entered} -{r.exited}")


@app.command()
def sweep() -> None:
    """Re-evaluate segments with time windows (what the periodic sweep does)."""
    for r in run_with_services(lambda s: s.membership.sweep()):
        typer.echo(f"{r.segment_id:<32} {r.size:>10} members  +{r.entered} -{r.exited}")


@app.command()
def schema() -> None:
    """The JSON Schema of a segment definition."""
    _print(SegmentService.schema())
