"""The metrics directory `serve --workers N` gives its workers (pure logic, no server)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from app.core.metrics_processes import ENV, shared_between_workers


@pytest.fixture(autouse=True)
def no_directory_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV, raising=False)


def test_one_worker_keeps_metrics_in_memory(tmp_path: Path) -> None:
    with shared_between_workers(1, tmp_path) as folder:
        assert folder is None and ENV not in os.environ
    assert not (tmp_path / "metrics").exists()


def test_workers_share_a_fresh_directory_removed_afterwards(tmp_path: Path) -> None:
    dead = tmp_path / "metrics" / "serve-999999999"  # a server that was killed
    dead.mkdir(parents=True)
    (dead / "counter_1.db").write_bytes(b"old")
    with shared_between_workers(2, tmp_path) as folder:
        assert folder is not None and os.environ[ENV] == str(folder)
        assert folder.is_dir() and not any(folder.iterdir())
        assert not dead.exists()
    assert ENV not in os.environ and not folder.exists()


def test_an_operators_directory_is_left_alone(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV, str(tmp_path / "theirs"))
    with shared_between_workers(4, tmp_path) as folder:
        assert folder is None and os.environ[ENV] == str(tmp_path / "theirs")
