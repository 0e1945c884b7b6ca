import shutil
import subprocess

import pytest
import yaml

from app.core.paths import PROJECT_ROOT

COMPOSE = PROJECT_ROOT / "docker-compose.yml"


def test_compose_declares_the_services() -> None:
    spec = yaml.safe_load(COMPOSE.read_text())
    services = spec["services"]
    assert services["neo4j"]["image"] == "neo4j:5.26-community"
    assert "healthcheck" in services["neo4j"]
    assert services["migrate"]["depends_on"]["neo4j"]["condition"] == "service_healthy"
    assert services["api"]["depends_on"]["migrate"]["condition"] == (
        "service_completed_successfully"
    )
    # Published ports stay on loopback.
    for service in services.values():
        for port in service.get("ports", []):
            assert port.startswith("127.0.0.1:")


def compose_command() -> list[str] | None:
    """`docker compose` (v2 plugin) when present, else the standalone `docker-compose`."""
    if shutil.which("docker"):
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True, check=False)
        if probe.returncode == 0:
            return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return None


@pytest.mark.skipif(compose_command() is None, reason="no docker compose client on this machine")
def test_docker_compose_config_accepts_the_file() -> None:
    cmd = compose_command() or []
    proc = subprocess.run(
        [*cmd, "-f", str(COMPOSE), "config", "-q"], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr


def test_prometheus_and_grafana_are_provisioned() -> None:
    """Prometheus scrapes the API; Grafana gets the datasource and the experiments dashboard,
    whose queries name metrics the service exports."""
    import json

    from prometheus_client import REGISTRY

    import app.experiments.metrics  # noqa: F401 - registers the experiment metrics

    spec = yaml.safe_load(COMPOSE.read_text())
    services = spec["services"]
    for name in ("prometheus", "grafana"):
        for volume in services[name]["volumes"]:
            source = volume.split(":")[0]
            if source.startswith("./"):
                assert (PROJECT_ROOT / source).exists(), source
        assert name + "-data" in spec["volumes"]
    scrape = yaml.safe_load((PROJECT_ROOT / "ops/prometheus/prometheus.yml").read_text())
    assert scrape["scrape_configs"][0]["static_configs"][0]["targets"] == ["api:8000"]
    dashboard = json.loads((PROJECT_ROOT / "ops/grafana/dashboards/experiments.json").read_text())
    exported = {name for metric in REGISTRY.collect() for name in
                (metric.name, metric.name + "_total")}
    queried = {word for panel in dashboard["panels"] for target in panel["targets"]
               for word in _metric_names(target["expr"])}
    assert queried and queried <= exported, queried - exported


def _metric_names(expr: str) -> set[str]:
    import re

    return set(re.findall(r"profilegraph_[a-z_]+", expr))
