"""`profilegraph kafka install|start|stop|status`: a local Apache Kafka broker (KRaft)."""

from __future__ import annotations

import time

import typer
from rich.console import Console

from app.cli.services import run_with_services
from app.core.config import get_settings
from app.ops import kafka_server
from app.ops.java import JavaError
from app.wiring import Services

app = typer.Typer(help="Manage a local Apache Kafka broker in KRaft mode (jars from Maven "
                  "Central); optional: the service runs without Kafka.")
console = Console(stderr=True)


def _fail(exc: Exception) -> None:
    console.print(f"[red]error:[/red] {exc}")
    raise typer.Exit(1)


@app.command()
def install() -> None:
    """Fetch the Kafka jars (cached; a second run does nothing)."""
    started = time.monotonic()
    try:
        fetched = kafka_server.install(get_settings(), log=console.print)
    except (JavaError, kafka_server.KafkaServerError) as exc:
        _fail(exc)
    what = "installed" if fetched else "already installed"
    console.print(f"Kafka {what} ({time.monotonic() - started:.1f}s)")


@app.command()
def start() -> None:
    """Start in the background and wait until the broker serves."""
    settings = get_settings()
    started = time.monotonic()
    try:
        before = kafka_server.status(settings)
        state = kafka_server.start(settings)
    except (JavaError, kafka_server.KafkaServerError) as exc:
        _fail(exc)
    if before.running:
        console.print(f"Kafka already {state.describe()}")
    else:
        console.print(f"Kafka {state.describe()} (started in {time.monotonic() - started:.1f}s)")


@app.command()
def stop() -> None:
    """Stop the broker this project started."""
    stopped = kafka_server.stop(get_settings())
    console.print("Kafka stopped" if stopped else "Kafka was not running")


@app.command()
def status() -> None:
    """Print whether the broker runs; exit code 3 when it does not."""
    state = kafka_server.status(get_settings())
    typer.echo(f"Kafka {state.describe()}")
    if not state.running:
        raise typer.Exit(3)


@app.command()
def consume(idle_exit_s: float = typer.Option(
        None, help="stop after a poll of this many seconds finds nothing (default: run on)")
            ) -> None:
    """Apply Segment messages from PROFILEGRAPH_KAFKA_INTAKE_TOPIC to the graph (the
    consumer a serving process also runs; here on its own, e.g. as a second consumer)."""
    settings = get_settings()
    if not (settings.kafka_bootstrap_servers and settings.kafka_intake_topic):
        _fail(RuntimeError("set PROFILEGRAPH_KAFKA_BOOTSTRAP_SERVERS and "
                           "PROFILEGRAPH_KAFKA_INTAKE_TOPIC"))

    async def action(services: Services) -> int:
        assert services.kafka_intake is not None
        return await services.kafka_intake.run(idle_exit_s)

    applied = run_with_services(action)
    console.print(f"applied {applied} messages")
