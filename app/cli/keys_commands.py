"""`profilegraph keys create|revoke|list`: API keys (only their SHA-256 is stored)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import typer
from rich.console import Console
from rich.table import Table

from app.auth.api_key_repository import ApiKeyRepository
from app.auth.api_key_service import ApiKeyService
from app.auth.api_keys import Scope
from app.core.config import get_settings
from app.core.errors import ApiError
from app.db.database import Database
from app.db.driver import create_driver

app = typer.Typer(help="Create, list and revoke API keys.", no_args_is_help=True)
console = Console()
T = TypeVar("T")


def _run(action: Callable[[ApiKeyService], Awaitable[T]]) -> T:
    async def go() -> T:
        settings = get_settings()
        driver = create_driver(settings)
        try:
            db = Database(driver, settings.neo4j_database)
            return await action(ApiKeyService(ApiKeyRepository(db)))
        finally:
            await driver.close()

    try:
        return asyncio.run(go())
    except ApiError as exc:
        console.print(f"[red]error:[/red] {exc.message}")
        raise typer.Exit(1) from None


@app.command()
def create(
    name: str = typer.Option(..., help="What the key is for, e.g. 'storefront'"),
    scope: list[Scope] = typer.Option(..., help="Scope to grant; repeat for several"),
) -> None:
    """Create a key and print it once."""
    key, info = _run(lambda s: s.create(name, [x.value for x in scope]))
    console.print(f"key_id: {info.key_id}  scopes: {','.join(info.scopes)}")
    console.print("Store this key now; it is not shown again:")
    typer.echo(key)


@app.command()
def revoke(key_id: str = typer.Argument(..., help="The key_id shown by `keys list`")) -> None:
    """Revoke a key (replicas stop accepting it within 10 s)."""
    info = _run(lambda s: s.revoke(key_id))
    console.print(f"revoked {info.key_id} ({info.name}) at {info.revoked_at:%Y-%m-%d %H:%M:%S}")


@app.command("list")
def list_keys() -> None:
    """List keys (never the secrets)."""
    keys = _run(lambda s: s.list())
    table = Table("key_id", "name", "scopes", "created", "revoked")
    for k in keys:
        table.add_row(k.key_id, k.name, ",".join(k.scopes), f"{k.created_at:%Y-%m-%d %H:%M}",
                      f"{k.revoked_at:%Y-%m-%d %H:%M}" if k.revoked_at else "")
    console.print(table)
