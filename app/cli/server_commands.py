"""`install|start|stop|status` for a local Java server module (app/ops/neo4j_server.py,
app/ops/kafka_server.py): the same four commands, worded for each server."""

from __future__ import annotations

import time
from collections.abc import Callable
from types import ModuleType
from typing import NamedTuple, NoReturn

import typer
from rich.console import Console

from app.core.config import get_settings
from app.ops.java import JavaError


class ServerCommands(NamedTuple):
    install: Callable[[], None]
    start: Callable[[], None]
    stop: Callable[[], None]
    status: Callable[[], None]


def fail(console: Console, exc: Exception) -> NoReturn:
    console.print(f"[red]error:[/red] {exc}")
    raise typer.Exit(1)


def add_server_commands(app: typer.Typer, console: Console, server: ModuleType, *, name: str,
                        error: type[Exception], noun: str, ready: str) -> ServerCommands:
    """Register the four commands on `app` for `server` (its install/start/stop/status taking
    the settings); `noun` is what runs ("server"), `ready` ends "wait until ..."."""
    failures = (JavaError, error)

    def install() -> None:
        started = time.monotonic()
        try:
            fetched = server.install(get_settings(), log=console.print)
        except failures as exc:
            fail(console, exc)
        what = "installed" if fetched else "already installed"
        console.print(f"{name} {what} ({time.monotonic() - started:.1f}s)")

    def start() -> None:
        settings = get_settings()
        started = time.monotonic()
        try:
            before = server.status(settings)
            state = server.start(settings)
        except failures as exc:
            fail(console, exc)
        if before.running:
            console.print(f"{name} already {state.describe()}")
        else:
            console.print(f"{name} {state.describe()} "
                          f"(started in {time.monotonic() - started:.1f}s)")

    def stop() -> None:
        stopped = server.stop(get_settings())
        console.print(f"{name} stopped" if stopped else f"{name} was not running")

    def status() -> None:
        state = server.status(get_settings())
        typer.echo(f"{name} {state.describe()}")
        if not state.running:
            raise typer.Exit(3)

    app.command("install", help=f"Fetch the {name} jars (cached; a second run does nothing).")(
        install)
    app.command("start", help=f"Start in the background and wait until {ready}.")(start)
    app.command("stop", help=f"Stop the {noun} this project started.")(stop)
    app.command("status", help=f"Print whether the {noun} runs; exit code 3 when it does "
                "not.")(status)
    return ServerCommands(install, start, stop, status)
