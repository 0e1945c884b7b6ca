"""Entry point: `profilegraph neo4j|kafka|migrate|import|keys|segments|cypher|serve|up|...`."""

from __future__ import annotations

import typer
import uvicorn

from app.cli import (
    cypher_commands,
    experiments_commands,
    import_commands,
    kafka_commands,
    keys_commands,
    migrate_commands,
    model_commands,
    neo4j_commands,
    predictions_commands,
    segments_commands,
)
from app.core.config import Settings, get_settings
from app.core.metrics_processes import shared_between_workers
from app.core.paths import CACHE_DIR
from trainer.cli.target import Target
from trainer.cli.train import app as trainer_app
from trainer.connection import Neo4jConnection


def trainer_target(settings: Settings) -> Target:
    """Where the trainer's commands read the graph and publish: the service's Neo4j
    (PROFILEGRAPH_NEO4J_*, or the generated local password) and the directory the API polls."""
    user, password = settings.neo4j_auth
    connection = Neo4jConnection(settings.neo4j_uri, user, password, settings.neo4j_database)
    return Target(connection, settings.artifacts_dir)


app = typer.Typer(help="ProfileGraph: graph-native customer profiles and personalization.",
                  no_args_is_help=True,
                  context_settings={"obj": lambda: trainer_target(get_settings())})
app.add_typer(neo4j_commands.app, name="neo4j")
app.add_typer(kafka_commands.app, name="kafka")
app.add_typer(migrate_commands.app, name="migrate")
app.add_typer(import_commands.app, name="import")
app.add_typer(keys_commands.app, name="keys")
app.add_typer(segments_commands.app, name="segments")
app.add_typer(cypher_commands.app, name="cypher")
app.add_typer(experiments_commands.app, name="experiments")
app.add_typer(predictions_commands.app, name="predictions")
app.add_typer(model_commands.app, name="model")
app.command("demo-data")(import_commands.demo_data)
app.add_typer(trainer_app)  # build-model, train, evaluate, train-loop: torch loads only in train


@app.command()
def serve(
    host: str | None = typer.Option(None, help="Bind address (default from settings)"),
    port: int | None = typer.Option(None, help="Port (default from settings)"),
    workers: int | None = typer.Option(
        None, help="Worker processes (default: PROFILEGRAPH_API_WORKERS)"),
) -> None:
    """Serve the API with uvicorn: the process model of docs/benchmarks.md, "Serving"."""
    settings = get_settings()
    count = workers or settings.api_workers
    with shared_between_workers(count, CACHE_DIR):  # one /metrics for all the workers
        uvicorn.run(
            "app.main:create_app", factory=True, host=host or settings.api_host,
            port=port or settings.api_port, workers=count,
            # C event loop and HTTP parser (uvicorn[standard]); named, so a missing one
            # fails at start instead of serving on the slower pure-Python fallbacks.
            loop="uvloop", http="httptools",
            access_log=False,  # the app writes its own JSON access line (app/core/logging.py)
            # With --workers, a child that has not answered the supervisor's health check
            # within this many seconds is killed and replaced (uvicorn >= 0.37; default 5 s).
            timeout_worker_healthcheck=settings.api_worker_healthcheck_timeout_s,
        )


@app.command()
def up() -> None:
    """Install and start Neo4j, migrate, then serve: the one command for a fresh machine."""
    neo4j_commands.install()
    neo4j_commands.start()
    migrate_commands.apply_migrations()
    serve(host=None, port=None, workers=None)


def main() -> None:
    app()
