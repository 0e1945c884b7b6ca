"""`profilegraph import online-retail|segment-ndjson PATH` and `profilegraph demo-data`.

Imports run through the same services as the API (app/wiring/): segment membership
follows imported events at once, as it follows events sent to `/v1/batch`."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
from rich.table import Table

from app.cli.migrate_commands import apply_migrations
from app.cli.services import run_with_services
from app.core.paths import PROJECT_ROOT
from app.importers.demo_data import DEFAULT_USERS, load_demo_data
from app.importers.online_retail import import_online_retail
from app.importers.pipeline import Totals
from app.importers.retail_files import read_lines
from app.importers.segment_ndjson import import_segment_ndjson

app = typer.Typer(help="Bulk imports (idempotent: a re-run stores nothing new).",
                  no_args_is_help=True)
console = Console()
RETAIL_FILE = Path("online_retail_ii/online_retail_II_2009-2010.parquet")
# Where `import online-retail` without PATH looks, relative to the checkout (not the current
# directory): the checkout's own data/ folder, then the shared data beside it.
RETAIL_PLACES = (PROJECT_ROOT / "data" / RETAIL_FILE,
                 PROJECT_ROOT.parent / "shared" / "data" / RETAIL_FILE)
PROGRESS_EVERY_ROWS = 50_000
PROGRESS_EVERY_S = 30.0


def default_retail() -> Path:
    """The first of RETAIL_PLACES that exists, else a clear error saying where to put it."""
    for place in RETAIL_PLACES:
        if place.is_file():
            return place
    raise typer.BadParameter(
        "no PATH given and online_retail_II_2009-2010.parquet is not in "
        + " nor ".join(str(p.parent) for p in RETAIL_PLACES)
        + ": pass the file's path, or put it in one of those folders", param_hint="PATH")


class LineProgress:
    """Progress for output that is not a terminal (a log, a pipe), where rich's bar prints
    nothing until the end: one plain line every `every_rows` rows or `every_s` seconds."""

    def __init__(self, label: str, total: int | None, every_rows: int,
                 every_s: float = PROGRESS_EVERY_S) -> None:
        self.label, self.total, self.every_rows, self.every_s = label, total, every_rows, every_s
        self.done = self.printed = 0
        self.started = self.last = time.monotonic()

    def advance(self, n: int) -> None:
        self.done += n
        now = time.monotonic()
        if self.done - self.printed >= self.every_rows or now - self.last >= self.every_s:
            self.printed, self.last = self.done, now
            of = f" of {self.total:,} ({self.done / self.total:.0%})" if self.total else ""
            console.print(f"{self.label}: {self.done:,}{of}, {now - self.started:.0f} s",
                          highlight=False)


@contextmanager
def _progress(label: str, total: int | None, every_rows: int) -> Iterator[Callable[[int], None]]:
    """A bar on a terminal, plain lines elsewhere; yields `advance(n)`."""
    if not console.is_terminal:
        yield LineProgress(label, total, every_rows).advance
        return
    with Progress("[progress.description]{task.description}", BarColumn(),
                  MofNCompleteColumn(), TimeElapsedColumn(), console=console) as progress:
        task = progress.add_task(label, total=total)
        yield lambda n: progress.advance(task, n)


def _summary(title: str, rows: list[tuple[str, object]], totals: Totals) -> None:
    table = Table(title=title, show_header=False)
    for name, value in [*rows, ("messages applied", totals.stored),
                        ("events stored", totals.events),
                        ("duplicates (already stored)", totals.duplicates),
                        *[(f"dropped: {k}", v) for k, v in sorted(totals.dropped.items())]]:
        table.add_row(name, f"{value:,}" if isinstance(value, int) else str(value))
    console.print(table)


def _by_code(counts: Counter[str]) -> str:
    return ", ".join(f"{code} {n:,}" for code, n in counts.most_common()) or "-"


@app.command("online-retail")
def online_retail(
    path: Path | None = typer.Argument(
        None, exists=True, dir_okay=True,
        help="a .parquet, .xlsx or .csv file of Online Retail II, or a folder: all such files "
             "in it, in name order, an invoice read once (default: online_retail_ii/"
             "online_retail_II_2009-2010.parquet in the checkout's data/ folder or in "
             "../shared/data beside it)"),
    batch_lines: int = typer.Option(8000, min=100, help="Invoice lines per transaction"),
    consent: bool = typer.Option(True, help="Record analytics+personalization consent as "
                                 "granted by the import (else the consent policy applies)"),
    rows: int | None = typer.Option(None, min=1, help="Only the first N rows (a quick try)"),
    progress_every: int = typer.Option(
        PROGRESS_EVERY_ROWS, min=1,
        help="When output is not a terminal: a progress line every N rows (or 30 s)"),
) -> None:
    """Load UCI Online Retail II: customers, items, orders and refunds."""
    path = path or default_retail()
    apply_migrations()  # an unmigrated store has no consent purposes: every event would drop
    console.print(f"importing {path}", highlight=False)
    try:
        lines = read_lines(path, rows)
    except (ValueError, KeyError, OSError) as exc:  # no data file, a file of other columns
        raise typer.BadParameter(str(exc), param_hint="PATH") from None
    with _progress("invoice lines", len(lines), progress_every) as advance:
        summary = run_with_services(lambda s: import_online_retail(
            s.intake, s.items, path, batch_lines=batch_lines, grant_consent=consent, max_rows=rows,
            progress=advance, lines=lines))
    _summary(f"Online Retail II import ({summary.seconds:.1f} s)", [
        ("rows read", summary.rows), ("items", summary.items),
        ("customers", summary.customers), ("orders (invoices)", summary.orders),
        ("order lines", summary.order_lines), ("refunds (C invoices)", summary.refunds),
        ("refund lines", summary.refund_lines),
        ("skipped: lines without customer", summary.lines_without_customer),
        ("skipped: non-product lines (service, fee, adjustment codes)",
         summary.non_product_lines),
        ("  by code", _by_code(summary.non_product_by_code)),
        ("  invoices of non-product lines only (no event)", summary.invoices_without_products),
        ("skipped: adjustment lines", summary.adjustment_lines),
        ("skipped: lines of an invoice read from an earlier file",
         summary.repeated_invoice_lines),
        ("non-product codes (Items labelled NonProduct)", summary.non_product_codes),
        ("items of such codes labelled NonProduct (an older import)",
         summary.non_product_items_flagged),
    ], summary.totals)


@app.command("segment-ndjson")
def segment_ndjson(
    path: Path = typer.Argument(..., exists=True, dir_okay=False, help=".ndjson or .ndjson.gz"),
    batch_size: int = typer.Option(500, min=1, max=2500, help="Messages per transaction"),
) -> None:
    """Load Segment messages, one JSON message (or batch object) per line."""
    apply_migrations()
    with _progress("messages", None, PROGRESS_EVERY_ROWS) as advance:
        summary = run_with_services(lambda s: import_segment_ndjson(
            s.intake, path, batch_size=batch_size, progress=advance))
    _summary(f"Segment NDJSON import ({summary.seconds:.1f} s)", [
        ("lines", summary.lines), ("messages", summary.messages),
        ("invalid lines", len(summary.invalid))], summary.totals)
    for number, reason in summary.invalid[:10]:
        console.print(f"[yellow]line {number}:[/yellow] {reason}")


def demo_data(
    users: int = typer.Option(DEFAULT_USERS, min=1, max=20_000, help="Generated shoppers"),
    seed: int = typer.Option(7, help="Random seed (same seed, same data)"),
) -> None:
    """Load a generated storefront (catalog, shoppers' sessions, consent, carts, orders,
    example segments) through the intake service."""
    apply_migrations()
    summary = run_with_services(lambda s: load_demo_data(
        s.intake, s.items, s.segments, users=users, seed=seed))
    _summary("Demo data", [("shoppers", summary.users), ("items", summary.items),
                           ("messages sent", summary.messages),
                           ("seconds", round(summary.seconds, 1)),
                           ("example segments", ", ".join(summary.segments))], summary.totals)
