"""Group commit: the batches that arrive while a write is running are written together, in
one transaction, when it ends.

Concurrent batches touching the same profiles and items would wait on each other's locks
anyway; one transaction for all of them pays the lookups, lock statements and commit once.
Each request is still answered only after the transaction holding its messages committed,
and gets the outcome of its own messages. State is per process (a replica groups only its
own requests), so it does not stand in the way of several API replicas.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from app.core.errors import DB_UNAVAILABLE
from app.intake.batch_plan import Plan
from app.intake.messages import Message

log = logging.getLogger("profilegraph.intake")
MAX_GROUP_MESSAGES = 1000

Write = Callable[[list[Message]], Awaitable[Plan]]


@dataclass
class _Pending:
    messages: list[Message]
    future: asyncio.Future[tuple[Plan, list[Message]]]


class GroupCommit:
    def __init__(self, write: Write, max_messages: int = MAX_GROUP_MESSAGES) -> None:
        self._write = write
        self._max = max_messages
        self._pending: list[_Pending] = []
        self._drainer: asyncio.Task[None] | None = None

    async def submit(self, messages: list[Message]) -> tuple[Plan, list[Message]]:
        """The plan that wrote these messages (their indexes renumbered within it)."""
        future: asyncio.Future[tuple[Plan, list[Message]]] = \
            asyncio.get_running_loop().create_future()
        self._pending.append(_Pending(messages, future))
        if self._drainer is None or self._drainer.done():
            self._drainer = asyncio.create_task(self._drain())
        return await future

    def _take(self) -> list[_Pending]:
        group = [self._pending.pop(0)]
        total = len(group[0].messages)
        while self._pending and total + len(self._pending[0].messages) <= self._max:
            total += len(self._pending[0].messages)
            group.append(self._pending.pop(0))
        return group

    async def _drain(self) -> None:
        while self._pending:
            group = [p for p in self._take() if not p.future.done()]  # done = cancelled
            if not group:
                continue
            try:
                await self._write_group(group)
            except Exception as exc:  # delivered to every waiting request
                for p in group:
                    if not p.future.done():
                        p.future.set_exception(exc)

    async def _write_group(self, group: list[_Pending]) -> None:
        combined: list[Message] = []
        for p in group:
            for m in p.messages:
                m.index = len(combined)
                combined.append(m)
        try:
            plan = await self._write(combined)
        except DB_UNAVAILABLE:
            raise
        except Exception:
            if len(group) == 1:
                raise
            # One batch must not fail the others: write them one by one.
            log.warning("grouped write failed; writing its %d batches separately", len(group))
            for p in group:
                await self._write_one(p)
            return
        for p in group:
            if not p.future.done():
                p.future.set_result((plan, p.messages))

    async def _write_one(self, p: _Pending) -> None:
        for i, m in enumerate(p.messages):
            m.index = i
        try:
            plan = await self._write(p.messages)
        except Exception as exc:
            if not p.future.done():
                p.future.set_exception(exc)
            return
        if not p.future.done():
            p.future.set_result((plan, p.messages))
