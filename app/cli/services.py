"""Runs one CLI action against the services of the composition root (app/wiring/), so a
command reaches the same services and ingest listeners as the API."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import typer
from rich.console import Console

from app.core.config import get_settings
from app.core.errors import ApiError
from app.wiring import Services, open_services

T = TypeVar("T")
err = Console(stderr=True)


def run_with_services(action: Callable[[Services], Awaitable[T]]) -> T:
    """Opens the services, runs `action`, closes them; a refused request exits with 1."""
    async def go() -> T:
        async with open_services(get_settings()) as services:
            return await action(services)

    try:
        return asyncio.run(go())
    except ApiError as exc:
        err.print(f"[red]{exc.code}:[/red] {exc.message}")
        for field in exc.fields:
            err.print(f"  {field['field'] or '/'}: {field['reason']}")
        raise typer.Exit(1) from None
