"""`profilegraph keys create|revoke|list`: API keys (only their SHA-256 is stored)."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from app.auth.api_keys import Scope
from app.cli.services import run_with_services

app = typer.Typer(help="Create, list and revoke API keys.", no_args_is_help=True)
console = Console()


@app.command()
def create(
    name: str = typer.Option(..., help="What the key is for, e.g. 'storefront'"),
    scope: list[Scope] = typer.Option(..., help="Scope to grant; repeat for several"),
) -> None:
    """Create a key and print it once."""
    key, info = run_with_services(lambda s: s.api_keys.create(name, [x.value for x in scope]))
    console.print(f"key_id: {info.key_id}  scopes: {','.join(info.scopes)}")
    console.print("Store this key now; it is not shown again:")
    typer.echo(key)


@app.command()
def revoke(key_id: str = typer.Argument(..., help="The key_id shown by `keys list`")) -> None:
    """Revoke a key (replicas stop accepting it within 10 s)."""
    info = run_with_services(lambda s: s.api_keys.revoke(key_id))
    console.print(f"revoked {info.key_id} ({info.name}) at {info.revoked_at:%Y-%m-%d %H:%M:%S}")


@app.command("list")
def list_keys() -> None:
    """List keys (never the secrets)."""
    keys = run_with_services(lambda s: s.api_keys.list())
    table = Table("key_id", "name", "scopes", "created", "revoked")
    for k in keys:
        table.add_row(k.key_id, k.name, ",".join(k.scopes), f"{k.created_at:%Y-%m-%d %H:%M}",
                      f"{k.revoked_at:%Y-%m-%d %H:%M}" if k.revoked_at else "")
    console.print(table)
