"""The LightGCN training options the trainer's commands share (`training_options`), the
TrainConfig they make, and the message when the torch extra is missing."""

from __future__ import annotations

import contextlib
import functools
import inspect
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import typer
from rich.console import Console

# torch is imported only when a command runs (see trainer/cli/train.py).
if TYPE_CHECKING:
    from trainer.lightgcn.train import TrainConfig

console = Console()


def config_of(
    epochs: int,
    lr: float,
    batch_size: int,
    dim: int,
    layers: int,
    max_minutes: float | None,
    seed: int,
    init: str,
    negatives: int = 8,
) -> TrainConfig:
    from trainer.lightgcn.train import TrainConfig

    return TrainConfig(
        embedding_dim=dim,
        num_layers=layers,
        lr=lr,
        batch_size=batch_size,
        max_epochs=epochs,
        seed=seed,
        init=init,
        negative_candidates=negatives,
        max_seconds=max_minutes * 60 if max_minutes else None,
    )


@contextlib.contextmanager
def training_extra() -> Iterator[None]:
    """torch and PyG are an optional extra: say how to get them instead of a traceback."""
    try:
        yield
    except ModuleNotFoundError as exc:
        console.print(f"[red]Training needs the 'train' extra[/] (pip install -e '.[train]'): "
                      f"{exc}")
        raise typer.Exit(1) from exc


def training_options(epochs: int) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Gives a command the LightGCN options (--epochs, --lr, --batch-size, --dim, --layers,
    --max-minutes, --seed, --init, --negatives), after its own, and hands it their values as
    one `config: TrainConfig`. `epochs`: the command's default epoch count."""
    def options() -> list[inspect.Parameter]:
        return [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=option,
                                  annotation=kind) for name, kind, option in (
            ("epochs", int, typer.Option(epochs)),
            ("lr", float, typer.Option(2e-3)),
            ("batch_size", int, typer.Option(4096)),
            ("dim", int, typer.Option(64)),
            ("layers", int, typer.Option(3)),
            ("max_minutes", float | None, typer.Option(None, help="Wall-clock training budget")),
            ("seed", int, typer.Option(2020)),
            ("init", str, typer.Option("normal", help="normal | svd")),
            ("negatives", int, typer.Option(
                8, min=1, help="Negative candidates per pair; >1 picks the hardest (1: uniform)")),
        )]

    def decorate(command: Callable[..., None]) -> Callable[..., None]:
        added = options()
        names = [p.name for p in added]

        @functools.wraps(command)
        def run(*args: object, **kwargs: object) -> None:
            values = {name: kwargs.pop(name) for name in names}
            with training_extra():  # config_of imports torch
                config = config_of(**values)  # type: ignore[arg-type]
            command(*args, config=config, **kwargs)

        # Typer reads the signature and annotations: the command's own (no eval, TrainConfig
        # is a name for type checkers only) without `config`, then the options.
        own = [p for p in inspect.signature(command).parameters.values() if p.name != "config"]
        run.__signature__ = inspect.Signature([*own, *added])  # type: ignore[attr-defined]
        run.__annotations__ = {**{k: v for k, v in command.__annotations__.items()
                                  if k != "config"}, **{p.name: p.annotation for p in added}}
        return run

    return decorate
