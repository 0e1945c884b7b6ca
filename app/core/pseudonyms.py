"""Keyed pseudonyms for identifiers written to logs.

HMAC-SHA-256 under PROFILEGRAPH_LOG_PSEUDONYM_KEY (a random key per process when unset), cut
to 16 hex digits: the same id maps to the same pseudonym while the key stays, so support can
follow one person through the logs, but the id itself cannot be read back from them.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

_key = secrets.token_bytes(32)


def set_key(key: str | None) -> None:
    global _key
    _key = key.encode() if key else secrets.token_bytes(32)


def pseudonym(value: str) -> str:
    digest = hmac.new(_key, value.encode("utf-8", "replace"), hashlib.sha256).hexdigest()
    return "p:" + digest[:16]
