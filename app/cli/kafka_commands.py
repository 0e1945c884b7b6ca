"""`profilegraph kafka install|start|stop|status`: a local Apache Kafka broker (KRaft)."""

from __future__ import annotations

import typer
from rich.console import Console

from app.cli.server_commands import add_server_commands, fail
from app.cli.services import run_with_services
from app.core.config import get_settings
from app.ops import kafka_server
from app.wiring import Services

app = typer.Typer(help="Manage a local Apache Kafka broker in KRaft mode (jars from Maven "
                  "Central); optional: the service runs without Kafka.")
console = Console(stderr=True)


install, start, stop, status = add_server_commands(
    app, console, kafka_server, name="Kafka", error=kafka_server.KafkaServerError,
    noun="broker", ready="the broker serves")


@app.command()
def consume(idle_exit_s: float = typer.Option(
        None, help="stop after a poll of this many seconds finds nothing (default: run on)")
            ) -> None:
    """Apply Segment messages from PROFILEGRAPH_KAFKA_INTAKE_TOPIC to the graph (the
    consumer a serving process also runs; here on its own, e.g. as a second consumer)."""
    settings = get_settings()
    if not (settings.kafka_bootstrap_servers and settings.kafka_intake_topic):
        fail(console, RuntimeError("set PROFILEGRAPH_KAFKA_BOOTSTRAP_SERVERS and "
                                   "PROFILEGRAPH_KAFKA_INTAKE_TOPIC"))

    async def action(services: Services) -> int:
        assert services.kafka_intake is not None
        return await services.kafka_intake.run(idle_exit_s)

    applied = run_with_services(action)
    console.print(f"applied {applied} messages")
