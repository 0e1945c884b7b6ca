"""Attribution passes run one at a time: a caller's drain (a flush before reading results)
must not return while the background pass holding the waiting shoppers is uncommitted."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from app.experiments.attribution import AttributionListener
from app.intake.ingest_hooks import IngestedChange


class _SlowRepository:
    """Stands in for the graph: a pass blocks until released, and records what it linked."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.linked: list[list[str]] = []

    async def attribute_user_events(self, user_ids: list[str],
                                    since: datetime) -> list[dict[str, Any]]:
        await self.release.wait()
        self.linked.append(user_ids)
        return []


async def test_a_drain_waits_for_the_pass_in_flight() -> None:
    repository = _SlowRepository()
    listener = AttributionListener(repository)  # type: ignore[arg-type]
    await listener.on_ingest(IngestedChange({"u1": frozenset({"product_clicked"})}))
    background = asyncio.create_task(listener.drain())
    await asyncio.sleep(0)  # the background pass has taken u1 and waits on the graph
    caller = asyncio.create_task(listener.drain())
    await asyncio.sleep(0.05)
    assert not caller.done()  # it would have returned at once, u1's links uncommitted
    repository.release.set()
    await asyncio.gather(background, caller)
    # the caller's pass ran after the first and passed u1 again (an event committed while
    # its exposure's write was in flight is seen by neither transaction)
    assert repository.linked == [["u1"], ["u1"]]
