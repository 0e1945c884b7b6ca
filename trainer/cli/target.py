"""Where the trainer's commands read the graph and publish models.

The command line that mounts them hands this in as the Click context object (a
`TargetSource`): `profilegraph` builds it from the service's settings, so the trainer
publishes where the API polls and imports nothing from the service.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import typer

from trainer.connection import Neo4jConnection


@dataclass(frozen=True)
class Target:
    connection: Neo4jConnection
    artifacts_dir: Path


TargetSource = Callable[[], Target]

# Time is the data's: both count back from the latest exported event (trainer/read_graph.py).
HALF_LIFE_HELP = "Recency half-life of interaction weights (days before the latest event)"
WINDOW_HELP = "Leave out events older than this many days before the latest event (0 = all)"


def target_of(ctx: typer.Context) -> Target:
    """The mounting CLI's target; called only by commands that need the graph, so the
    service's settings are read when such a command runs, not when the CLI starts."""
    if not callable(ctx.obj):
        raise typer.BadParameter("no graph to read: run this command through `profilegraph`")
    return ctx.obj()
