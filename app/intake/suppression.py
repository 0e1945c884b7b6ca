"""The suppression list: identities of erased people, whose later messages are dropped.

As Segment's "suppress and delete": erasing a profile records the SHA-256 of each of its
identities (`user_id:<id>`, `anonymous_id:<id>`, `email_sha256:<hash>`, ...) as an
(:ErasedIdentity) node, in the erasure's own transaction; a message naming any of them is not
stored and is counted in the batch report as `suppressed`. Only hashes are kept, never the ids.

The rule is decided in the graph, inside each intake transaction (intake/lookup_batch reads
the ErasedIdentity nodes of the batch's hashes), whatever path the messages came by (the API,
an importer, the CLI) and whichever process wrote the erasure: nothing is cached in memory.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from app.intake.messages import Message

REASON = "suppressed"
ANON_PREFIX = "anon:"


@lru_cache(maxsize=65536)  # a shopper's messages come together: each id hashed once a while
def identity_hash(kind: str, value: str) -> str:
    return hashlib.sha256(f"{kind}:{value}".encode("utf-8", "replace")).hexdigest()


def message_hashes(m: Message) -> list[str]:
    keys: list[tuple[str, str]] = list(m.identities)
    for value in (m.user_id, m.previous_id):
        if value:
            keys += [("user_id", value), ("anonymous_id", value)]
    if m.anonymous_id:
        keys.append(("anonymous_id", m.anonymous_id))
    return [identity_hash(k, v) for k, v in keys]


def profile_hashes(user_ids: Iterable[str], identities: Iterable[dict[str, Any]]) -> list[str]:
    """Hashes for an erased profile: its ids (and merged-in ones) and its identities."""
    keys: set[tuple[str, str]] = set()
    for user_id in user_ids:
        if user_id.startswith(ANON_PREFIX):
            keys.add(("anonymous_id", user_id.removeprefix(ANON_PREFIX)))
        else:
            keys.add(("user_id", user_id))
    keys |= {(str(i["kind"]), str(i["value"])) for i in identities if i.get("kind")}
    return sorted(identity_hash(k, v) for k, v in keys)


class Suppression:
    """The hashes of one batch's messages, and which of its messages name an erased person
    once the graph said which hashes are erased."""

    def __init__(self, messages: list[Message]) -> None:
        self._of = {m.index: message_hashes(m) for m in messages}
        self.hashes = sorted({h for hs in self._of.values() for h in hs})

    def split(self, messages: list[Message], erased: set[str]
              ) -> tuple[list[Message], list[Message]]:
        """(messages to write, messages of erased people)."""
        if not erased:
            return messages, []
        kept: list[Message] = []
        dropped: list[Message] = []
        for m in messages:
            (dropped if erased.intersection(self._of[m.index]) else kept).append(m)
        return kept, dropped
