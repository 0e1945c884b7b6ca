"""What the project's local Java servers (Neo4j, Kafka) share: their jars resolved from Maven
Central into a lib folder, one detached JVM recorded in a pid file, a wait until it serves, and
a stop with SIGTERM (a clean shutdown) then SIGKILL. Each server module keeps its own
configuration, command line and readiness probe."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path


def pom_property(pom: Path, name: str) -> str:
    """The text of `<name>...</name>` in a pom (the pinned server version)."""
    text = pom.read_text()
    start = text.index(f"<{name}>") + len(f"<{name}>")
    return text[start: text.index(f"</{name}>")]


INSTALLED_MARKER = ".installed"


def jars_installed(lib: Path, version: str) -> bool:
    marker = lib / INSTALLED_MARKER
    return marker.exists() and marker.read_text().strip() == version


def install_jars(pom: Path, lib: Path, version: str, *, label: str,
                 error: type[Exception], log: Callable[[str], object] = print) -> bool:
    """Resolve the pom's runtime jars into `lib` with Maven (cached). True when it downloaded."""
    if jars_installed(lib, version):
        return False
    if shutil.which("mvn") is None:
        raise error(f"Maven (`mvn`) is required to fetch the {label} jars; not on PATH.")
    lib.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix="lib-", dir=lib.parent))
    log(f"Resolving {label} {version} jars from Maven Central into {lib} ...")
    proc = subprocess.run(["mvn", "-q", "-B", "-f", str(pom), "dependency:copy-dependencies",
                           f"-DoutputDirectory={staging}", "-DincludeScope=runtime"],
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        shutil.rmtree(staging, ignore_errors=True)
        raise error(f"Maven failed:\n{(proc.stdout + proc.stderr)[-3000:]}")
    (staging / INSTALLED_MARKER).write_text(version)
    # Swap in the complete folder only, so a broken download never looks installed.
    if lib.exists():
        shutil.rmtree(lib)
    staging.rename(lib)
    return True


def port_answers(port: int, host: str = "127.0.0.1", timeout: float = 1.0) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=timeout):
        return True
    return False


def read_pid(pid_file: Path) -> int | None:
    """The recorded pid while that process lives, else None."""
    if not pid_file.exists():
        return None
    try:
        pid = int(pid_file.read_text().strip())
        os.kill(pid, 0)
    except (ValueError, ProcessLookupError, PermissionError):
        return None
    return pid


def log_tail(paths: list[Path], lines: int = 40) -> str:
    chunks = []
    for path in paths:
        if path.exists():
            text = path.read_text(errors="replace").splitlines()[-lines:]
            chunks.append(f"--- {path} ---\n" + "\n".join(text))
    return "\n".join(chunks) or "(no log written)"


def launch(cmd: list[str], home: Path, pid_file: Path,
           env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    """Start the JVM in its own session (it outlives this process), its output appended to
    home/logs/console.log, and record its pid."""
    console = (home / "logs" / "console.log").open("ab")
    proc = subprocess.Popen(cmd, stdout=console, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, env=env, start_new_session=True, cwd=home)
    pid_file.write_text(str(proc.pid))
    return proc


def wait_until_ready(proc: subprocess.Popen[bytes], *, name: str, what: str, port: int,
                     ready: Callable[[], bool], timeout_s: float, error: type[Exception],
                     tail: Callable[[], str], stop: Callable[[], object]) -> None:
    """Poll until the port answers and `ready()` holds; a process that exits, or a timeout
    (which stops it), raises `error` with the log's tail."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise error(f"{name} exited with code {proc.returncode} during start.\n{tail()}")
        if port_answers(port) and ready():
            return
        time.sleep(0.5)
    stop()
    raise error(f"{what} did not answer on 127.0.0.1:{port} within {timeout_s:.0f}s.\n{tail()}")


def stop(pid_file: Path, timeout_s: float = 60.0) -> bool:
    """SIGTERM the recorded process, SIGKILL it after `timeout_s`. False when none ran."""
    pid = read_pid(pid_file)
    if pid is None:
        pid_file.unlink(missing_ok=True)
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
        time.sleep(0.3)
    else:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    pid_file.unlink(missing_ok=True)
    return True
