"""Ending the background loops the serving process runs (workers, listeners, probes)."""

from __future__ import annotations

import asyncio
import contextlib


async def cancel_and_wait(task: asyncio.Task | None) -> None:
    """Cancel a loop's task and wait until it has ended; its cancellation is not an error.
    No task (never started): nothing to do."""
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
