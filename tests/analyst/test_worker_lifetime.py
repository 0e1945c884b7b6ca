"""Analyst worker processes do not outlive the API process, even one killed outright."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from neo4j import AsyncDriver

from app.core.paths import PROJECT_ROOT

# Runs one analyst query (starting a worker), prints the workers' pids, then dies by SIGKILL:
# no shutdown code runs in it.
_KILLED_PARENT = '''
import asyncio, os, signal
from app.analyst.analyst_service import AnalystService, WorkerTarget, _POOLS
from app.core.config import Settings

async def main():
    service = AnalystService(WorkerTarget.from_settings(Settings()), 10, 100, workers=2)
    await service.run("RETURN 1 AS x")
    [pool] = _POOLS.values()
    print(" ".join(str(pid) for pid in pool._processes), flush=True)
    os.kill(os.getpid(), signal.SIGKILL)

if __name__ == "__main__":
    asyncio.run(main())
'''


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def test_workers_exit_when_the_api_process_is_killed(graph: AsyncDriver, tmp_path: Path
                                                     ) -> None:
    script = tmp_path / "killed_parent.py"
    script.write_text(_KILLED_PARENT)
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          env=env, timeout=120, check=False)
    pids = [int(p) for p in done.stdout.split()]
    assert pids, done.stderr
    deadline = time.monotonic() + 15
    while any(_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.2)
    leftover = [p for p in pids if _alive(p)]
    for pid in leftover:  # do not leave them behind when the test fails
        os.kill(pid, 9)
    assert leftover == []
