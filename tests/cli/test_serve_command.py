"""`profilegraph serve` hands uvicorn a worker health-check timeout that survives a slow start."""

from __future__ import annotations

import importlib
from typing import Any

import uvicorn
from typer.testing import CliRunner

runner = CliRunner()
main = importlib.import_module("app.cli.main")  # app.cli's `main` is the entry function


def test_serve_gives_workers_time_to_answer_the_health_check(monkeypatch) -> None:
    seen: dict[str, Any] = {}

    def run(app: str, **kwargs: Any) -> None:
        seen.update(kwargs, app=app)

    monkeypatch.setattr(main.uvicorn, "run", run)
    # On the one settings object every test shares (clearing get_settings' cache would give
    # later tests another object than the one their fixtures change).
    monkeypatch.setattr(main.get_settings(), "api_worker_healthcheck_timeout_s", 45)
    result = runner.invoke(main.app, ["serve", "--workers", "2", "--port", "8104"])
    assert result.exit_code == 0, result.output
    assert seen["workers"] == 2
    assert seen["timeout_worker_healthcheck"] == 45
    # The installed uvicorn takes every argument serve passes, this one included.
    config = uvicorn.Config(seen.pop("app"), **seen)
    assert config.timeout_worker_healthcheck == 45


def test_the_default_is_well_above_uvicorns_five_seconds() -> None:
    assert main.Settings().api_worker_healthcheck_timeout_s >= 30
