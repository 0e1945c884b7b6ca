"""`train`, `evaluate`, `train-loop`, `build-model`: a Typer sub-app, mounted in the
`profilegraph` CLI.

profilegraph train        export consented graph -> train -> evaluate -> artifact -> promote
profilegraph evaluate     --dataset gowalla|lastfm|online_retail PATH (offline benchmark)
profilegraph train-loop   `train` every --interval-minutes
profilegraph build-model  the training-free graph filter (trainer/cli/build.py)

The graph connection and the artifacts directory come from the mounting CLI
(`trainer.cli.target`), so the trainer publishes where the API polls.
"""

from __future__ import annotations

import time
from dataclasses import asdict
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from trainer.cli.build import build_model
from trainer.cli.target import HALF_LIFE_HELP, WINDOW_HELP, target_of
from trainer.cli.train_options import config_of, training_extra, training_options
from trainer.connection import Neo4jConnection

# torch is imported only when a command runs: mounting this sub-app in the project CLI
# must not load torch into `profilegraph serve`.
if TYPE_CHECKING:
    from trainer.lightgcn.train import EpochLog, TrainConfig

app = typer.Typer(
    help="GNN recommender: train, evaluate and publish LightGCN artifacts.", no_args_is_help=True
)
console = Console()
app.command("build-model")(build_model)


class Dataset(StrEnum):
    gowalla = "gowalla"
    lastfm = "lastfm"
    online_retail = "online_retail"


class _EpochProgress:
    """Rich progress bar over epochs, showing loss and the last validation metric."""

    def __init__(self, total: int) -> None:
        self.progress = Progress(
            TextColumn("[bold]epoch"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[status]}"),
            TimeElapsedColumn(),
            console=console,
        )
        self.task = self.progress.add_task("train", total=total, status="")
        self.last_val = ""

    def __enter__(self) -> _EpochProgress:
        self.progress.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.__exit__(*exc)  # type: ignore[arg-type]

    def __call__(self, log: EpochLog) -> None:
        if log.val:
            self.last_val = f"val recall@20 {log.val['recall@20']:.4f}"
        self.progress.update(
            self.task, completed=log.epoch, status=f"loss {log.loss:.4f} {self.last_val}"
        )


ARTIFACTS_HELP = "Artifacts directory (default: PROFILEGRAPH_ARTIFACTS_DIR of the service)"


def _print_metrics(title: str, rows: dict[str, dict]) -> None:
    table = Table(title=title)
    for col in ("model", "recall@20", "ndcg@20", "users"):
        table.add_column(col)
    for name, m in rows.items():
        table.add_row(name, f"{m['recall@20']:.4f}", f"{m['ndcg@20']:.4f}", str(m["users"]))
    console.print(table)


@app.command()
@training_options(epochs=300)
def train(
    ctx: typer.Context,
    artifacts_dir: Path | None = typer.Option(None, help=ARTIFACTS_HELP),
    half_life_days: float = typer.Option(30.0, help=HALF_LIFE_HELP),
    window_days: float = typer.Option(365.0, help=WINDOW_HELP),
    *,
    config: TrainConfig,
) -> None:
    """Export the consented graph, train, evaluate, write an artifact, promote if better."""
    target = target_of(ctx)
    with training_extra():
        run_train(
            target.connection,
            artifacts_dir or target.artifacts_dir,
            half_life_days,
            window_days or None,
            config,
        )


def run_train(
    connection: Neo4jConnection,
    artifacts_dir: Path,
    half_life_days: float = 30.0,
    window_days: float | None = 365.0,
    config: TrainConfig | None = None,
) -> bool:
    """One training round; returns whether the new model was promoted."""
    from trainer.lightgcn.train import TrainConfig
    from trainer.publish_lightgcn import train_and_publish
    from trainer.read_graph import ExportSettings, export_interactions

    cfg = config or TrainConfig()
    with console.status("exporting consented interactions from Neo4j"):
        data = export_interactions(
            connection, ExportSettings(half_life_days=half_life_days, window_days=window_days)
        )
    console.print(f"exported {data.summary()} ({data.meta.get('events')} events)")
    if data.train.nnz == 0:
        console.print("[yellow]no consented interactions; nothing to train[/]")
        return False
    with _EpochProgress(cfg.max_epochs) as bar:
        res = train_and_publish(data, artifacts_dir, cfg, on_epoch=bar)
    _print_metrics(f"validation (one split for every candidate; winner: {res.winner})",
                   res.candidates)
    console.print(f"artifact {res.path}: {res.reason}")
    return res.promoted


@app.command()
@training_options(epochs=400)
def evaluate(
    path: Path = typer.Argument(
        ..., help="Dataset folder (or the .parquet file for online_retail)"
    ),
    dataset: Dataset = typer.Option(..., "--dataset", help="gowalla | lastfm | online_retail"),
    baselines: bool = typer.Option(True, help="Also score popularity and item-kNN"),
    artifacts_dir: Path | None = typer.Option(
        None, help="Also write (not promote) an artifact here"
    ),
    *,
    config: TrainConfig,
) -> None:
    """Train on a benchmark split and report test Recall@20 / NDCG@20 (all items ranked,
    training items masked) next to the baselines."""
    with training_extra():
        _evaluate(path, dataset, baselines, artifacts_dir, config)


def _evaluate(path: Path, dataset: Dataset, baselines: bool, artifacts_dir: Path | None,
              cfg: TrainConfig) -> None:
    from trainer.data import load_gowalla, load_lastfm, load_online_retail
    from trainer.lightgcn.train import train_lightgcn
    from trainer.publish_lightgcn import evaluate_baselines, test_metrics

    loaders = {"gowalla": load_gowalla, "lastfm": load_lastfm, "online_retail": load_online_retail}
    data = loaders[dataset.value](path)
    console.print(data.summary())
    with _EpochProgress(cfg.max_epochs) as bar:
        res = train_lightgcn(data, cfg, on_epoch=bar)
    rows = {"lightgcn": test_metrics(data, res).as_dict()}  # type: ignore[union-attr]
    if baselines:
        rows.update(evaluate_baselines(data.train, data.test))
    _print_metrics(
        f"{data.name} test (best epoch {res.best_epoch}, {res.cpu_seconds:.0f} s CPU)", rows
    )
    if artifacts_dir is not None:
        from recmodel.artifact import write_artifact

        out = write_artifact(
            artifacts_dir,
            res.user_emb,
            res.item_emb,
            data.user_ids,
            data.item_ids,
            {"dataset": data.name, "params": asdict(cfg),
             "metrics": {"val": res.val.as_dict(), "test": rows["lightgcn"]}},
        )
        console.print(f"wrote {out}")


@app.command("train-loop")
def train_loop(
    ctx: typer.Context,
    artifacts_dir: Path | None = typer.Option(None, help=ARTIFACTS_HELP),
    interval_minutes: float = typer.Option(
        60.0, help="Pause between the end of one round and the next"
    ),
    rounds: int = typer.Option(0, help="Stop after this many rounds (0 = forever)"),
    epochs: int = typer.Option(300),
    max_minutes: float | None = typer.Option(None),
) -> None:
    """Retrain on an interval; a failed round is logged and retried next interval."""
    target = target_of(ctx)
    with training_extra():
        run_loop(
            target.connection,
            artifacts_dir or target.artifacts_dir,
            interval_minutes,
            rounds,
            config_of(epochs, 2e-3, 4096, 64, 3, max_minutes, 2020, "normal"),
        )


def run_loop(
    connection: Neo4jConnection,
    artifacts_dir: Path,
    interval_minutes: float = 60.0,
    rounds: int = 0,
    config: TrainConfig | None = None,
    sleep=time.sleep,
) -> int:
    """Run `run_train` every interval; returns the number of rounds completed."""
    done = 0
    while rounds == 0 or done < rounds:
        try:
            run_train(connection, artifacts_dir, config=config)
        except Exception as exc:  # keep the loop alive; the next round retries
            console.print(f"[red]training round failed:[/] {exc!r}")
        done += 1
        if rounds and done >= rounds:
            break
        sleep(interval_minutes * 60)
    return done
