"""Install, start, stop and inspect a local Apache Kafka broker in KRaft mode (no ZooKeeper).

Like the Neo4j server (app/ops/neo4j_server.py): the jars come from Maven Central
(ops/kafka/pom.xml, `mvn dependency:copy-dependencies` into `settings.kafka_lib_dir`), the
broker runs as one JVM (`kafka.Kafka`, combined broker and controller) with its properties,
data and logs under `settings.kafka_home`. Kafka is optional: nothing in the service needs it
unless PROFILEGRAPH_KAFKA_BOOTSTRAP_SERVERS is set.
"""

from __future__ import annotations

import base64
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from app.core.config import Settings
from app.core.paths import PROJECT_ROOT
from app.ops.java import require_java

POM = PROJECT_ROOT / "ops" / "kafka" / "pom.xml"
MAIN = "kafka.Kafka"
STORAGE_TOOL = "kafka.tools.StorageTool"
INSTALLED_MARKER = ".installed"


class KafkaServerError(RuntimeError):
    pass


@dataclass(frozen=True)
class BrokerStatus:
    running: bool
    pid: int | None
    port: int
    home: Path

    def describe(self) -> str:
        if not self.running:
            return f"stopped (home {self.home})"
        return f"running pid={self.pid} bootstrap=127.0.0.1:{self.port} home={self.home}"


def _version() -> str:
    text = POM.read_text()
    start = text.index("<kafka.version>") + len("<kafka.version>")
    return text[start: text.index("</kafka.version>")]


def is_installed(settings: Settings) -> bool:
    marker = settings.kafka_lib_dir / INSTALLED_MARKER
    return marker.exists() and marker.read_text().strip() == _version()


def install(settings: Settings, *, log=print) -> bool:
    """Resolve the broker jars with Maven (cached). Returns True when it downloaded."""
    require_java()
    if is_installed(settings):
        return False
    if shutil.which("mvn") is None:
        raise KafkaServerError("Maven (`mvn`) is required to fetch the Kafka jars; not on PATH.")
    lib = settings.kafka_lib_dir
    lib.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix="lib-", dir=lib.parent))
    log(f"Resolving Apache Kafka {_version()} jars from Maven Central into {lib} ...")
    proc = subprocess.run(["mvn", "-q", "-B", "-f", str(POM), "dependency:copy-dependencies",
                           f"-DoutputDirectory={staging}", "-DincludeScope=runtime"],
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        shutil.rmtree(staging, ignore_errors=True)
        raise KafkaServerError(f"Maven failed:\n{(proc.stdout + proc.stderr)[-3000:]}")
    (staging / INSTALLED_MARKER).write_text(_version())
    if lib.exists():  # swap in the complete folder only
        shutil.rmtree(lib)
    staging.rename(lib)
    return True


def _properties(settings: Settings) -> str:
    port, controller = settings.kafka_port, settings.kafka_controller_port
    return "\n".join([
        "# Written by `profilegraph kafka start`; edits are overwritten.",
        "process.roles=broker,controller",
        "node.id=1",
        f"controller.quorum.voters=1@127.0.0.1:{controller}",
        f"listeners=PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller}",
        f"advertised.listeners=PLAINTEXT://127.0.0.1:{port}",
        "controller.listener.names=CONTROLLER",
        "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
        "inter.broker.listener.name=PLAINTEXT",
        f"log.dirs={settings.kafka_home / 'data'}",
        "num.partitions=4",
        "offsets.topic.replication.factor=1",
        "transaction.state.log.replication.factor=1",
        "transaction.state.log.min.isr=1",
        "group.initial.rebalance.delay.ms=0",
        "log.retention.hours=168",
        "",
    ])


LOG4J = """log4j.rootLogger=WARN, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.server.KafkaRaftServer=INFO
"""


def _java(settings: Settings, *args: str) -> list[str]:
    home = settings.kafka_home
    return ["java", "-cp", f"{settings.kafka_lib_dir}/*",
            f"-Dlog4j.configuration=file:{home / 'config' / 'log4j.properties'}",
            f"-Dkafka.logs.dir={home / 'logs'}", *args]


def _prepare_home(settings: Settings) -> Path:
    home = settings.kafka_home
    for sub in ("config", "data", "logs", "run"):
        (home / sub).mkdir(parents=True, exist_ok=True)
    config = home / "config" / "server.properties"
    config.write_text(_properties(settings))
    (home / "config" / "log4j.properties").write_text(LOG4J)
    if not (home / "data" / "meta.properties").exists():  # format the storage once
        cluster = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
        proc = subprocess.run(_java(settings, STORAGE_TOOL, "format", "-t", cluster,
                                    "-c", str(config)),
                              capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise KafkaServerError(f"Formatting the storage failed:\n{proc.stdout[-2000:]}"
                                   f"{proc.stderr[-2000:]}")
    return config


def _pid_file(settings: Settings) -> Path:
    return settings.kafka_home / "run" / "kafka.pid"


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


def port_answers(port: int, host: str = "127.0.0.1", timeout: float = 1.0) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=timeout):
        return True
    return False


def status(settings: Settings) -> BrokerStatus:
    pid = _read_pid(settings)
    return BrokerStatus(running=pid is not None and port_answers(settings.kafka_port), pid=pid,
                        port=settings.kafka_port, home=settings.kafka_home)


def log_tail(settings: Settings, lines: int = 40) -> str:
    path = settings.kafka_home / "logs" / "console.log"
    if not path.exists():
        return "(no log written)"
    return f"--- {path} ---\n" + "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def _wait_until_ready(settings: Settings, proc: subprocess.Popen[bytes]) -> None:
    """The broker answers metadata requests (its port alone opens before it serves)."""
    from confluent_kafka.admin import AdminClient

    deadline = time.monotonic() + settings.kafka_start_timeout_s
    admin = AdminClient({"bootstrap.servers": f"127.0.0.1:{settings.kafka_port}",
                         "log_level": 0})
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise KafkaServerError(f"Kafka exited with code {proc.returncode} during start.\n"
                                   f"{log_tail(settings)}")
        if port_answers(settings.kafka_port):
            with contextlib.suppress(Exception):
                if admin.list_topics(timeout=2).brokers:
                    return
        time.sleep(0.5)
    stop(settings)
    raise KafkaServerError(f"Kafka did not answer on 127.0.0.1:{settings.kafka_port} within "
                           f"{settings.kafka_start_timeout_s:.0f}s.\n{log_tail(settings)}")


def start(settings: Settings) -> BrokerStatus:
    """Start in the background and wait until the broker serves; a second call finds it."""
    current = status(settings)
    if current.running:
        return current
    for port in (settings.kafka_port, settings.kafka_controller_port):
        if port_answers(port):
            raise KafkaServerError(f"Port {port} is taken by a process this project did not "
                                   "start; set PROFILEGRAPH_KAFKA_PORT / _CONTROLLER_PORT.")
    install(settings)
    config = _prepare_home(settings)
    home = settings.kafka_home
    cmd = _java(settings, f"-Xms{settings.kafka_heap}", f"-Xmx{settings.kafka_heap}",
                "-XX:+UseG1GC", "-Djava.awt.headless=true", MAIN, str(config))
    console = (home / "logs" / "console.log").open("ab")
    proc = subprocess.Popen(cmd, stdout=console, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True, cwd=home)
    _pid_file(settings).write_text(str(proc.pid))
    _wait_until_ready(settings, proc)
    return status(settings)


def stop(settings: Settings, timeout_s: float = 60.0) -> bool:
    """Stop the broker this project started (SIGTERM: a clean shutdown). False when it was
    not running."""
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
