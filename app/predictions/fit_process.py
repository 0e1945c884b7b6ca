"""The prediction fit in a child process, not in a thread of the serving process.

pandas and scikit-learn hold the GIL for most of a fit (tens of seconds on a year of
invoices): in a thread they took 44% of a serving process's samples while it answered
recommendations (docs/benchmarks.md, "Serving"). A child at a lower priority leaves the
event loop and its core to requests; serving keeps reading only the fit's results.
The child gets the event table and returns the fit through pickle files in a temporary
directory; a cancelled refresh (a stopping service) kills it.
"""

from __future__ import annotations

import asyncio
import os
import pickle
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from app.predictions.training import refresh

NICE = 10  # below requests: the fit may take longer, answers must not


@dataclass(frozen=True)
class Fitted:
    """What a refresh writes and records (the fitted models stay in the child)."""
    scores: pd.DataFrame  # as Refresh.scores
    summary: dict[str, Any]
    pid: int  # the child that fitted them (logged)


async def fit_off_process(events: pd.DataFrame) -> Fitted:
    with tempfile.TemporaryDirectory(prefix="profilegraph-fit-") as folder:
        given, taken = Path(folder) / "events.pickle", Path(folder) / "refresh.pickle"
        await asyncio.to_thread(given.write_bytes, pickle.dumps(events, protocol=5))
        child = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "app.predictions.fit_process", str(given), str(taken),
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
        try:
            _, err = await child.communicate()
        except BaseException:
            child.kill()
            await child.wait()
            raise
        if child.returncode != 0:
            tail = err.decode(errors="replace").strip().splitlines()[-5:]
            raise RuntimeError(f"prediction fit exited {child.returncode}: {' | '.join(tail)}")
        return pickle.loads(await asyncio.to_thread(taken.read_bytes))


def _main(given: str, taken: str) -> None:
    os.nice(NICE)
    events = pickle.loads(Path(given).read_bytes())
    result = refresh(events)
    fitted = Fitted(result.scores, result.summary, os.getpid())
    Path(taken).write_bytes(pickle.dumps(fitted, protocol=5))


if __name__ == "__main__":  # by its module name, so the pickle names the module's classes
    from app.predictions import fit_process

    fit_process._main(*sys.argv[1:3])
