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
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path

from app.core.config import Settings
from app.core.paths import PROJECT_ROOT
from app.ops import java_server
from app.ops.java import require_java
from app.ops.java_server import port_answers

POM = PROJECT_ROOT / "ops" / "kafka" / "pom.xml"
MAIN = "kafka.Kafka"
STORAGE_TOOL = "kafka.tools.StorageTool"


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
    return java_server.pom_property(POM, "kafka.version")


def is_installed(settings: Settings) -> bool:
    return java_server.jars_installed(settings.kafka_lib_dir, _version())


def install(settings: Settings, *, log=print) -> bool:
    """Resolve the broker jars with Maven (cached). Returns True when it downloaded."""
    require_java()
    return java_server.install_jars(POM, settings.kafka_lib_dir, _version(), label="Kafka",
                                    error=KafkaServerError, log=log)


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


def new_cluster_id() -> str:
    """A random KRaft cluster id (base64url of a UUID). One that starts with "-" is drawn
    again, as Kafka's own `random-uuid` does: the storage tool reads it as an option (1 draw
    in 64 failed the format)."""
    while True:
        cluster = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
        if not cluster.startswith("-"):
            return cluster


def _prepare_home(settings: Settings) -> Path:
    home = settings.kafka_home
    for sub in ("config", "data", "logs", "run"):
        (home / sub).mkdir(parents=True, exist_ok=True)
    config = home / "config" / "server.properties"
    config.write_text(_properties(settings))
    (home / "config" / "log4j.properties").write_text(LOG4J)
    if not (home / "data" / "meta.properties").exists():  # format the storage once
        proc = subprocess.run(_java(settings, STORAGE_TOOL, "format", "-t", new_cluster_id(),
                                    "-c", str(config)),
                              capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise KafkaServerError(f"Formatting the storage failed:\n{proc.stdout[-2000:]}"
                                   f"{proc.stderr[-2000:]}")
    return config


def _pid_file(settings: Settings) -> Path:
    return settings.kafka_home / "run" / "kafka.pid"


def status(settings: Settings) -> BrokerStatus:
    pid = java_server.read_pid(_pid_file(settings))
    return BrokerStatus(running=pid is not None and port_answers(settings.kafka_port), pid=pid,
                        port=settings.kafka_port, home=settings.kafka_home)


def log_tail(settings: Settings, lines: int = 40) -> str:
    return java_server.log_tail([settings.kafka_home / "logs" / "console.log"], lines)


def start(settings: Settings) -> BrokerStatus:
    """Start in the background and wait until the broker serves; a second call finds it."""
    from confluent_kafka.admin import AdminClient

    current = status(settings)
    if current.running:
        return current
    for port in (settings.kafka_port, settings.kafka_controller_port):
        if port_answers(port):
            raise KafkaServerError(f"Port {port} is taken by a process this project did not "
                                   "start; set PROFILEGRAPH_KAFKA_PORT / _CONTROLLER_PORT.")
    install(settings)
    config = _prepare_home(settings)
    cmd = _java(settings, f"-Xms{settings.kafka_heap}", f"-Xmx{settings.kafka_heap}",
                "-XX:+UseG1GC", "-Djava.awt.headless=true", MAIN, str(config))
    proc = java_server.launch(cmd, settings.kafka_home, _pid_file(settings))
    admin = AdminClient({"bootstrap.servers": f"127.0.0.1:{settings.kafka_port}",
                         "log_level": 0})

    def serves() -> bool:  # the port alone opens before the broker answers metadata requests
        with contextlib.suppress(Exception):
            return bool(admin.list_topics(timeout=2).brokers)
        return False

    java_server.wait_until_ready(
        proc, name="Kafka", what="Kafka", port=settings.kafka_port, ready=serves,
        timeout_s=settings.kafka_start_timeout_s, error=KafkaServerError,
        tail=lambda: log_tail(settings), stop=lambda: stop(settings))
    return status(settings)


def stop(settings: Settings, timeout_s: float = 60.0) -> bool:
    """Stop the broker this project started (SIGTERM: a clean shutdown). False when it was
    not running."""
    return java_server.stop(_pid_file(settings), timeout_s)
