"""Runs `profilegraph build-model` in a subprocess for the model refresh.

Building is the trainer's role and the API process imports no trainer module
(tests/architecture), so the build runs as the command line, with the serving process's
graph and artifacts directory in its environment, at a lower CPU priority than requests
(`nice`), and reports itself in one summary line (trainer/cli/build.py: `--summary-json`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import shutil
import sys
import time
from dataclasses import dataclass

from app.core.config import Settings
from app.core.paths import PROJECT_ROOT

SUMMARY_PREFIX = "PROFILEGRAPH_BUILD "  # trainer/cli/build.py prints it
NICE = 10


@dataclass(frozen=True)
class BuildOutcome:
    outcome: str  # 'promoted', 'kept' (the serving model won), 'empty' or 'failed'
    reason: str
    version: str | None = None
    seconds: float = 0.0
    cpu_s: float | None = None  # the build process's own CPU time


def build_command(kind: str) -> list[str]:
    cmd = [sys.executable, "-m", "app.cli", "build-model", "--summary-json",
           "--by", "model-refresh", "--no-record-refresh"]  # the refresh records the build
    if kind != "full":
        cmd += ["--families", "quick"]
    nice = shutil.which("nice")
    return [nice, "-n", str(NICE), *cmd] if nice else cmd


def build_env(settings: Settings) -> dict[str, str]:
    """The serving process's graph and artifacts, whatever its settings were built from."""
    return {**os.environ,
            "PROFILEGRAPH_NEO4J_URI": settings.neo4j_uri,
            "PROFILEGRAPH_NEO4J_USER": settings.neo4j_user,
            "PROFILEGRAPH_NEO4J_PASSWORD": settings.resolved_neo4j_password(),
            "PROFILEGRAPH_NEO4J_DATABASE": settings.neo4j_database,
            "PROFILEGRAPH_ARTIFACTS_DIR": str(settings.artifacts_dir),
            "PYTHONPATH": os.pathsep.join(p for p in (str(PROJECT_ROOT),
                                                      os.environ.get("PYTHONPATH")) if p)}


def parse(returncode: int, stdout: bytes, stderr: bytes, seconds: float) -> BuildOutcome:
    for line in reversed(stdout.decode(errors="replace").splitlines()):
        if line.startswith(SUMMARY_PREFIX):
            s = json.loads(line.removeprefix(SUMMARY_PREFIX))
            return BuildOutcome(s["outcome"], str(s.get("reason", "")), s.get("version"),
                                float(s.get("seconds", seconds)), s.get("cpu_s"))
    return BuildOutcome("failed", f"build-model exited with {returncode}: {error_of(stderr)}",
                        seconds=seconds)


# An exception line of a traceback, plain ("neo4j.exceptions.ClientError: ...") or as rich
# prints it ("ClientError: {code: ...}"), or a log line at ERROR.
EXCEPTION_LINE = re.compile(r"^(?:[A-Za-z_][\w.]*\.)?[A-Z]\w*(?:Error|Exception|Exit|Interrupt|"
                            r"Timeout|Failure|Unavailable)(?::|$)|\bERROR\b")
TAIL_LINES = 5
REASON_CHARS = 500


def error_of(stderr: bytes) -> str:
    """The meaningful part of a failed build's stderr, on one line of at most
    `REASON_CHARS`: from the last exception line to the end (its message may span lines),
    else the last few lines."""
    lines = [line.strip(" │|") for line in stderr.decode(errors="replace").splitlines()]
    lines = [line for line in lines if line.strip()]
    if not lines:
        return "no output"
    starts = [n for n, line in enumerate(lines) if EXCEPTION_LINE.search(line)]
    text = " ".join(lines[starts[-1]:] if starts else lines[-TAIL_LINES:])
    text = " ".join(text.split())
    return text if len(text) <= REASON_CHARS else text[:REASON_CHARS - 1] + "…"


async def run_build(settings: Settings, kind: str, timeout_s: float) -> BuildOutcome:
    """One build; a build past `timeout_s`, or cancelled with the process, is killed."""
    started = time.perf_counter()
    proc = await asyncio.create_subprocess_exec(
        *build_command(kind), stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE, env=build_env(settings), cwd=PROJECT_ROOT)
    try:
        out, err = await asyncio.wait_for(proc.communicate(), timeout_s)
    except TimeoutError:
        return BuildOutcome("failed", f"build-model ran past {timeout_s:.0f} s and was stopped",
                            seconds=time.perf_counter() - started)
    finally:
        if proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            await asyncio.shield(proc.wait())
    return parse(proc.returncode or 0, out, err, time.perf_counter() - started)
