"""Install, start, stop and inspect the local Neo4j Community server.

The server's jars come from Maven Central (ops/neo4j/pom.xml) and it is started with
`org.neo4j.server.CommunityEntryPoint`, so neither Docker nor a tarball is needed.
Everything lives under `settings.neo4j_home` and `settings.neo4j_lib_dir`.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from app.core.config import Settings
from app.core.paths import PROJECT_ROOT
from app.ops.java import require_java

POM = PROJECT_ROOT / "ops" / "neo4j" / "pom.xml"
ENTRY_POINT = "org.neo4j.server.CommunityEntryPoint"
ADMIN_TOOL = "org.neo4j.cli.AdminTool"
INSTALLED_MARKER = ".installed"

# What the neo4j launcher script adds on Java 17+.
JVM_FLAGS = [
    "-XX:+UseG1GC",
    "-XX:-OmitStackTraceInFastThrow",
    "-XX:+UnlockExperimentalVMOptions",
    "-XX:+TrustFinalNonStaticFields",
    "-XX:+DisableExplicitGC",
    "-Djdk.nio.maxCachedBufferSize=1024",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "-Dlog4j2.disable.jmx=true",
    "-Dfile.encoding=UTF-8",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/java.lang=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--enable-native-access=ALL-UNNAMED",
]


class Neo4jServerError(RuntimeError):
    pass


@dataclass(frozen=True)
class ServerStatus:
    running: bool
    pid: int | None
    bolt_port: int
    http_port: int
    home: Path

    def describe(self) -> str:
        if not self.running:
            return f"stopped (home {self.home})"
        return (
            f"running pid={self.pid} bolt=127.0.0.1:{self.bolt_port} "
            f"http=127.0.0.1:{self.http_port} home={self.home}"
        )


def _neo4j_version() -> str:
    text = POM.read_text()
    start = text.index("<neo4j.version>") + len("<neo4j.version>")
    return text[start : text.index("</neo4j.version>")]


def is_installed(settings: Settings) -> bool:
    marker = settings.neo4j_lib_dir / INSTALLED_MARKER
    return marker.exists() and marker.read_text().strip() == _neo4j_version()


def install(settings: Settings, *, log=print) -> bool:
    """Resolve the server jars with Maven (cached) and create the password file.

    Returns True when something was downloaded.
    """
    require_java()
    ensure_password_file(settings)
    if is_installed(settings):
        return False
    if shutil.which("mvn") is None:
        raise Neo4jServerError("Maven (`mvn`) is required to fetch the Neo4j jars; not on PATH.")
    lib = settings.neo4j_lib_dir
    lib.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix="lib-", dir=lib.parent))
    log(f"Resolving Neo4j {_neo4j_version()} jars from Maven Central into {lib} ...")
    cmd = [
        "mvn", "-q", "-B", "-f", str(POM), "dependency:copy-dependencies",
        f"-DoutputDirectory={staging}", "-DincludeScope=runtime",
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        shutil.rmtree(staging, ignore_errors=True)
        raise Neo4jServerError(f"Maven failed:\n{(proc.stdout + proc.stderr)[-3000:]}")
    (staging / INSTALLED_MARKER).write_text(_neo4j_version())
    # Swap in the complete folder only, so a broken download never looks installed.
    if lib.exists():
        shutil.rmtree(lib)
    staging.rename(lib)
    return True


def ensure_password_file(settings: Settings) -> str:
    """The password the server is initialised with: the environment's, else a generated one."""
    if settings.neo4j_password is not None:
        return settings.neo4j_password.get_secret_value()
    path = settings.neo4j_password_file
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    password = secrets.token_urlsafe(18)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(password + "\n")
    return password


def _conf_text(settings: Settings) -> str:
    home = settings.neo4j_home
    return "\n".join([
            "# Written by `profilegraph neo4j start`; edits are overwritten.",
            "server.default_listen_address=127.0.0.1",
            "server.default_advertised_address=127.0.0.1",
            f"server.bolt.listen_address=127.0.0.1:{settings.neo4j_bolt_port}",
            f"server.http.listen_address=127.0.0.1:{settings.neo4j_http_port}",
            "server.https.enabled=false",
            "dbms.security.auth_enabled=true",
            "dbms.usage_report.enabled=false",
            f"server.memory.pagecache.size={settings.neo4j_pagecache}",
            "db.tx_log.rotation.retention_policy=1 days",
            "db.transaction.timeout=60s",
            # Keep-alives only while streaming: with ALL the server hints a receive timeout and
            # the driver times every socket read (~0.2 ms client CPU per statement); queries
            # stay bounded by the transaction timeout above.
            "server.bolt.connection_keep_alive_for_requests=STREAMING",
            f"server.directories.data={home / 'data'}",
            f"server.directories.logs={home / 'logs'}",
            f"server.directories.run={home / 'run'}",
            f"server.directories.import={home / 'import'}",
            f"server.directories.plugins={home / 'plugins'}",
            "",
    ])


def _java_env(settings: Settings) -> dict[str, str]:
    home = settings.neo4j_home
    return {**os.environ, "NEO4J_HOME": str(home), "NEO4J_CONF": str(home / "conf")}


def _prepare_home(settings: Settings) -> None:
    home = settings.neo4j_home
    for sub in ("conf", "data", "logs", "run", "import", "plugins"):
        (home / sub).mkdir(parents=True, exist_ok=True)
    (home / "conf" / "neo4j.conf").write_text(_conf_text(settings))
    if not (home / "data" / "dbms" / "auth.ini").exists():
        password = ensure_password_file(settings)
        # "--" ends the options: a password may start with "-" (token_urlsafe draws it
        # 1 time in 64), which the admin tool would otherwise parse as a flag.
        proc = subprocess.run(
            ["java", "-cp", f"{settings.neo4j_lib_dir}/*", ADMIN_TOOL,
             "dbms", "set-initial-password", "--", password],
            capture_output=True, text=True, env=_java_env(settings), check=False,
        )
        if proc.returncode != 0:
            raise Neo4jServerError(f"Setting the initial password failed:\n{proc.stderr[-2000:]}")


def _pid_file(settings: Settings) -> Path:
    return settings.neo4j_home / "run" / "neo4j.pid"


def _read_pid(settings: Settings) -> int | None:
    path = _pid_file(settings)
    if not path.exists():
        return None
    try:
        pid = int(path.read_text().strip())
        os.kill(pid, 0)
    except (ValueError, ProcessLookupError, PermissionError):
        return None
    return pid


def bolt_answers(port: int, host: str = "127.0.0.1", timeout: float = 1.0) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=timeout):
        return True
    return False


def status(settings: Settings) -> ServerStatus:
    pid = _read_pid(settings)
    return ServerStatus(
        running=pid is not None and bolt_answers(settings.neo4j_bolt_port),
        pid=pid,
        bolt_port=settings.neo4j_bolt_port,
        http_port=settings.neo4j_http_port,
        home=settings.neo4j_home,
    )


def log_tail(settings: Settings, lines: int = 40) -> str:
    chunks = []
    for name in ("console.log", "neo4j.log"):
        path = settings.neo4j_home / "logs" / name
        if path.exists():
            text = path.read_text(errors="replace").splitlines()[-lines:]
            chunks.append(f"--- {path} ---\n" + "\n".join(text))
    return "\n".join(chunks) or "(no log written)"


def _wait_for_bolt(settings: Settings, proc: subprocess.Popen[bytes]) -> None:
    from neo4j import GraphDatabase
    from neo4j.exceptions import AuthError, ServiceUnavailable

    deadline = time.monotonic() + settings.neo4j_start_timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise Neo4jServerError(
                f"Neo4j exited with code {proc.returncode} during start.\n{log_tail(settings)}"
            )
        if bolt_answers(settings.neo4j_bolt_port):
            try:
                with GraphDatabase.driver(settings.neo4j_uri, auth=settings.neo4j_auth) as drv:
                    drv.verify_connectivity()
                return
            except AuthError as exc:
                raise Neo4jServerError(
                    f"Neo4j is up but refused our credentials ({exc.message}). The data directory "
                    f"{settings.neo4j_home / 'data'} was initialised with another password."
                ) from exc
            except ServiceUnavailable:
                pass
        time.sleep(0.5)
    stop(settings)
    raise Neo4jServerError(
        f"Bolt did not answer on 127.0.0.1:{settings.neo4j_bolt_port} within "
        f"{settings.neo4j_start_timeout_s:.0f}s.\n{log_tail(settings)}"
    )


def start(settings: Settings) -> ServerStatus:
    """Start in the background and wait for Bolt; a second call finds the running server."""
    current = status(settings)
    if current.running:
        return current
    if bolt_answers(settings.neo4j_bolt_port):
        raise Neo4jServerError(
            f"Port {settings.neo4j_bolt_port} is taken by a process this project did not start; "
            "set PROFILEGRAPH_NEO4J_BOLT_PORT to another port."
        )
    install(settings)
    _prepare_home(settings)
    home = settings.neo4j_home
    cmd = [
        "java", f"-Xms{settings.neo4j_heap}", f"-Xmx{settings.neo4j_heap}", *JVM_FLAGS,
        "-cp", f"{settings.neo4j_lib_dir}/*", ENTRY_POINT,
        f"--home-dir={home}", f"--config-dir={home / 'conf'}",
    ]
    console = (home / "logs" / "console.log").open("ab")
    proc = subprocess.Popen(
        cmd, stdout=console, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        env=_java_env(settings), start_new_session=True, cwd=home,
    )
    _pid_file(settings).write_text(str(proc.pid))
    _wait_for_bolt(settings, proc)
    return status(settings)


def stop(settings: Settings, timeout_s: float = 60.0) -> bool:
    """Stop the server this project started. Returns False when it was not running."""
    pid = _read_pid(settings)
    if pid is None:
        _pid_file(settings).unlink(missing_ok=True)
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
    _pid_file(settings).unlink(missing_ok=True)
    return True
