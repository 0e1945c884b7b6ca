"""Install, start, stop and inspect the local Neo4j Community server.

The server's jars come from Maven Central (ops/neo4j/pom.xml) and it is started with
`org.neo4j.server.CommunityEntryPoint`, so neither Docker nor a tarball is needed.
Everything lives under `settings.neo4j_home` and `settings.neo4j_lib_dir`.
"""

from __future__ import annotations

import os
import secrets
import subprocess
from dataclasses import dataclass
from pathlib import Path

from app.core.config import Settings
from app.core.paths import PROJECT_ROOT
from app.ops import java_server
from app.ops.java import require_java
from app.ops.java_server import port_answers

POM = PROJECT_ROOT / "ops" / "neo4j" / "pom.xml"
ENTRY_POINT = "org.neo4j.server.CommunityEntryPoint"
ADMIN_TOOL = "org.neo4j.cli.AdminTool"

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
    return java_server.pom_property(POM, "neo4j.version")


def is_installed(settings: Settings) -> bool:
    return java_server.jars_installed(settings.neo4j_lib_dir, _neo4j_version())


def install(settings: Settings, *, log=print) -> bool:
    """Resolve the server jars with Maven (cached) and create the password file.

    Returns True when something was downloaded.
    """
    require_java()
    ensure_password_file(settings)
    return java_server.install_jars(POM, settings.neo4j_lib_dir, _neo4j_version(),
                                    label="Neo4j", error=Neo4jServerError, log=log)


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


def status(settings: Settings) -> ServerStatus:
    pid = java_server.read_pid(_pid_file(settings))
    return ServerStatus(
        running=pid is not None and port_answers(settings.neo4j_bolt_port),
        pid=pid,
        bolt_port=settings.neo4j_bolt_port,
        http_port=settings.neo4j_http_port,
        home=settings.neo4j_home,
    )


def log_tail(settings: Settings, lines: int = 40) -> str:
    logs = settings.neo4j_home / "logs"
    return java_server.log_tail([logs / "console.log", logs / "neo4j.log"], lines)


def _bolt_serves(settings: Settings) -> bool:
    """A driver connects with our credentials; refused credentials end the wait."""
    from neo4j import GraphDatabase
    from neo4j.exceptions import AuthError, ServiceUnavailable

    try:
        with GraphDatabase.driver(settings.neo4j_uri, auth=settings.neo4j_auth) as drv:
            drv.verify_connectivity()
        return True
    except AuthError as exc:
        raise Neo4jServerError(
            f"Neo4j is up but refused our credentials ({exc.message}). The data directory "
            f"{settings.neo4j_home / 'data'} was initialised with another password."
        ) from exc
    except ServiceUnavailable:
        return False


def start(settings: Settings) -> ServerStatus:
    """Start in the background and wait for Bolt; a second call finds the running server."""
    current = status(settings)
    if current.running:
        return current
    if port_answers(settings.neo4j_bolt_port):
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
    proc = java_server.launch(cmd, home, _pid_file(settings), env=_java_env(settings))
    java_server.wait_until_ready(
        proc, name="Neo4j", what="Bolt", port=settings.neo4j_bolt_port,
        ready=lambda: _bolt_serves(settings), timeout_s=settings.neo4j_start_timeout_s,
        error=Neo4jServerError, tail=lambda: log_tail(settings), stop=lambda: stop(settings))
    return status(settings)


def stop(settings: Settings, timeout_s: float = 60.0) -> bool:
    """Stop the server this project started. Returns False when it was not running."""
    return java_server.stop(_pid_file(settings), timeout_s)
