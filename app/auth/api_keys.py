"""API key format, hashing and scopes.

A key reads `pg_<key_id>_<secret>`. Only the SHA-256 of the whole key is stored: keys are
random 256-bit tokens, so a fast hash is enough (as with GitHub or Stripe tokens).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from enum import StrEnum

PREFIX = "pg"


class Scope(StrEnum):
    ingest = "ingest"
    read = "read"
    segments = "segments"
    analyst = "analyst"
    admin = "admin"


def generate_key() -> tuple[str, str]:
    """A new (key_id, full key). The full key is shown once and never stored."""
    key_id = secrets.token_hex(6)
    return key_id, f"{PREFIX}_{key_id}_{secrets.token_urlsafe(32)}"


def key_id_of(key: str) -> str | None:
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != PREFIX or not parts[1] or not parts[2]:
        return None
    return parts[1]


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def same_secret(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def grants(scopes: frozenset[str], needed: Scope) -> bool:
    return needed.value in scopes or Scope.admin.value in scopes
