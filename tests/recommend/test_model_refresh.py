"""The model refresh: built in a subprocess by `profilegraph build-model`, recorded in the
graph, one build at a time across processes, counted on /metrics."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from app.core import metrics
from app.core.config import Settings
from app.importers.online_retail import import_online_retail
from app.recommend.build_runner import BuildOutcome
from app.recommend.model_refresh import ModelRefresh
from app.recommend.model_refresh_repository import ModelRefreshRepository
from app.wiring import Services
from recmodel.artifact_format import current_version, read_manifest
from tests.recommend.retail_store import retail_rows, write_retail

pytestmark = pytest.mark.neo4j


async def test_the_refresh_builds_promotes_records_and_reloads(
        artifacts: Path, refresh_on: Settings, services: Services, tmp_path: Path) -> None:
    await import_online_retail(services.intake, services.items,
                               write_retail(tmp_path / "a.parquet", retail_rows()))
    refresh = services.model_refresh
    first = await refresh.check_once()
    assert first.build and first.why == "no model is promoted" and first.kind == "quick"
    status = await refresh.status()
    assert status.last["outcome"] == "promoted", status.last
    version = status.last["version"]
    assert version == current_version(artifacts) == services.models.current.version
    assert status.last["cpu_s"] > 0 and status.last["duration_s"] > 0
    assert status.new_events == 0 and not status.running
    assert metrics.MODEL_REFRESH_OUTCOME.labels("promoted")._value.get() == 1
    assert metrics.MODEL_REFRESH_EVENTS_SINCE._value.get() == 0
    assert metrics.MODEL_REFRESH_LAST_BUILD._value.get() > 0
    assert not (await refresh.check_once()).build  # nothing changed

    # New customers buy: past the threshold, a second build is judged against the first
    await import_online_retail(services.intake, services.items, write_retail(
        tmp_path / "b.parquet", retail_rows(customers=20, first=30000, seed=8)))
    assert (await refresh.status()).new_events >= 5
    second = await refresh.check_once()
    assert second.build and second.why.endswith("new events")
    status = await refresh.status()
    assert status.last["outcome"] in ("promoted", "kept") and status.last["builds"] == 2
    judged = read_manifest(artifacts / status.last["version"])["promotion"]
    assert judged["incumbent"] == version and judged["split"] in ("time carve", "random carve")


async def test_one_build_at_a_time_across_processes(
        artifacts: Path, refresh_on: Settings, services: Services, tmp_path: Path) -> None:
    """Two processes decide on the same state at once: the graph's lease lets one build."""
    await import_online_retail(services.intake, services.items,
                               write_retail(tmp_path / "a.parquet", retail_rows(customers=6)))
    started: list[str] = []

    async def slow_build(settings: Settings, kind: str, timeout_s: float) -> BuildOutcome:
        started.append(kind)
        await asyncio.sleep(0.5)
        return BuildOutcome("kept", "a stand-in build", seconds=0.5, cpu_s=0.1)

    repository = ModelRefreshRepository(services.recommendation_repository._db)
    one, two = (ModelRefresh(refresh_on, repository, services.models, slow_build)
                for _ in range(2))
    decisions = await asyncio.gather(one.check_once(), two.check_once())
    assert started == ["quick"] and sorted(d.build for d in decisions) == [False, True]
    assert (await one.status()).last["outcome"] == "kept"


async def test_a_failed_build_is_recorded_counted_and_retried(
        artifacts: Path, refresh_on: Settings, services: Services, tmp_path: Path) -> None:
    await import_online_retail(services.intake, services.items,
                               write_retail(tmp_path / "a.parquet", retail_rows(customers=6)))
    calls: list[str] = []

    async def broken(settings: Settings, kind: str, timeout_s: float) -> BuildOutcome:
        calls.append(kind)
        if len(calls) == 1:
            raise OSError("no such interpreter")
        return BuildOutcome("failed", "build-model exited with 1: boom", seconds=0.1)

    repository = ModelRefreshRepository(services.recommendation_repository._db)
    refresh = ModelRefresh(refresh_on, repository, services.models, broken)
    failed = metrics.MODEL_REFRESH_BUILDS.labels("failed", "quick")._value.get()
    assert (await refresh.check_once()).build
    status = await refresh.status()
    assert status.last["outcome"] == "failed" and "no such interpreter" in status.last["reason"]
    assert not status.running  # the lease is free again
    retried = await refresh.check_once()  # no cooldown in this test: retried at once
    assert retried.build and retried.why == "the last build failed"
    assert (await refresh.status()).last["failures"] == 2
    assert metrics.MODEL_REFRESH_BUILDS.labels("failed", "quick")._value.get() == failed + 2
    assert metrics.MODEL_REFRESH_OUTCOME.labels("failed")._value.get() == 1


async def test_a_build_run_by_hand_records_its_counts_so_the_refresh_does_not_rebuild(
        artifacts: Path, refresh_on: Settings, services: Services, tmp_path: Path) -> None:
    """`make model` (build-model by hand) right before the API starts: the refresh sees the
    store unchanged since that build and does not build it again."""
    from typer.testing import CliRunner

    from app.cli.main import trainer_target
    from trainer.cli.train import app as trainer_app

    await import_online_retail(services.intake, services.items,
                               write_retail(tmp_path / "a.parquet", retail_rows()))
    result = await asyncio.to_thread(
        CliRunner().invoke, trainer_app, ["build-model", "--families", "graph_filter"],
        obj=lambda: trainer_target(refresh_on))
    assert result.exit_code == 0, result.output
    services.models.reload_if_changed()
    status = await services.model_refresh.status()
    assert status.last["outcome"] == "promoted" and status.last["kind"] == "manual"
    assert status.last["version"] == current_version(artifacts)
    assert status.new_events == 0 and status.last["builds"] == 1
    decision = await services.model_refresh.check_once()
    assert not decision.build, decision
    # new events after the hand-made build still start the refresh's build
    await import_online_retail(services.intake, services.items, write_retail(
        tmp_path / "b.parquet", retail_rows(customers=20, first=30000, seed=8)))
    assert (await services.model_refresh.check_once()).build


async def test_the_status_says_what_a_serving_only_install_can_build(
        artifacts: Path, refresh_on: Settings, services: Services, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the train extra every build is quick: `last_full_at` stays empty and the
    status says why, and the refresh never asks for a full build it cannot make."""
    from datetime import UTC, datetime, timedelta

    from app.recommend import model_refresh

    await import_online_retail(services.intake, services.items,
                               write_retail(tmp_path / "a.parquet", retail_rows(customers=6)))
    kinds: list[str] = []

    async def build(settings: Settings, kind: str, timeout_s: float) -> BuildOutcome:
        kinds.append(kind)
        return BuildOutcome("kept", "a stand-in build", seconds=0.1, cpu_s=0.1)

    monkeypatch.setattr(model_refresh, "full_build_available", lambda: False)
    refresh_on.model_refresh_full_interval_s = 1.0
    later = datetime.now(UTC) + timedelta(hours=1)
    repository = ModelRefreshRepository(services.recommendation_repository._db)
    refresh = ModelRefresh(refresh_on, repository, services.models, build)
    assert (await refresh.check_once()).build
    await import_online_retail(services.intake, services.items, write_retail(
        tmp_path / "b.parquet", retail_rows(customers=20, first=30000, seed=8)))
    refresh._clock = lambda: later  # a full build would be due by now, with the extra
    status = await refresh.status()
    assert "not in this install" in status.full_builds and "train extra" in status.full_builds
    assert (await refresh.check_once()).kind == "quick" and kinds == ["quick", "quick"]
    assert (await refresh.status()).last["last_full_at"] is None
    monkeypatch.setattr(model_refresh, "full_build_available", lambda: True)
    assert "at most every 1 s" in (await refresh.status()).full_builds


async def test_a_build_by_hand_and_the_refresh_never_build_at_once(
        artifacts: Path, refresh_on: Settings, services: Services, tmp_path: Path) -> None:
    """Both take the one lease on the graph: a build by hand waits for (or, with --no-wait,
    refuses beside) a refresh build, and the refresh does not start while one by hand runs."""
    from datetime import UTC, datetime, timedelta

    from typer.testing import CliRunner

    from app.cli.main import trainer_target
    from trainer import refresh_record
    from trainer.cli.train import app as trainer_app

    await import_online_retail(services.intake, services.items,
                               write_retail(tmp_path / "a.parquet", retail_rows()))
    target = trainer_target(refresh_on)
    repository = ModelRefreshRepository(services.recommendation_repository._db)
    now = datetime.now(UTC)
    assert await repository.take_lease("api:1", now, now + timedelta(minutes=5), None, 1, 1,
                                       "quick")

    def build(*args: str):
        return CliRunner().invoke(trainer_app, ["build-model", "--families", "graph_filter",
                                                *args], obj=lambda: target)

    refused = await asyncio.to_thread(build, "--no-wait")
    assert refused.exit_code == 1, refused.output
    assert "a quick build is running (api:1" in refused.output and "not building" in \
        refused.output
    assert current_version(artifacts) is None
    waiting = asyncio.create_task(asyncio.to_thread(build))
    await asyncio.sleep(1.0)
    assert not waiting.done()  # it waits for the refresh build
    await repository.finish("api:1", datetime.now(UTC), "kept", "a stand-in", None, 1.0, 1.0,
                            "quick")
    done = await asyncio.wait_for(waiting, 120)
    assert done.exit_code == 0, done.output
    assert "waiting for it to finish" in done.output
    status = await services.model_refresh.status()
    assert status.last["kind"] == "manual" and status.last["outcome"] == "promoted"
    assert not status.running

    # A build by hand holds the lease: the refresh does not start a build beside it
    lease = await asyncio.to_thread(refresh_record.acquire, target.connection, 600, False,
                                    print)
    assert isinstance(lease, refresh_record.Lease)
    await import_online_retail(services.intake, services.items, write_retail(
        tmp_path / "b.parquet", retail_rows(customers=20, first=30000, seed=8)))
    held = await services.model_refresh.check_once()
    assert not held.build and held.why == "a build is running"
    assert (await services.model_refresh.status()).running
    await asyncio.to_thread(refresh_record.finish, target.connection, lease, "kept", "test",
                            None, 0.1, 0.1)
    assert (await services.model_refresh.check_once()).build
