"""Exposures are never lost: failed writes stay journaled and are retried, leftovers of a
stopped process are replayed at start, and a Neo4j restart mid-flight loses nothing."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from neo4j import AsyncDriver
from neo4j.exceptions import ServiceUnavailable

from app.core.config import Settings
from app.db.database import Database
from app.db.driver import create_driver
from app.experiments import metrics
from app.experiments.experiment_repository import ExperimentRepository
from app.experiments.exposure_recorder import ExposureRecorder
from app.ops import neo4j_server
from tests.experiments.conftest import ITEMS, definition, recommend, send, start, track


def _exposure(n: int) -> dict[str, Any]:
    return {"recommendation_id": uuid.uuid4().hex, "experiment_id": "durable",
            "variant": "a", "strategy": "popular", "model_version": None,
            "fallback_reason": None, "items": ["i1"], "user_id": f"u{n}",
            "at_ms": 1_700_000_000_000 + n, "day": 19675, "surface": "test"}


def _segments(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.jsonl"))


def _append(path: Path, data: bytes) -> None:
    with open(path, "ab") as handle:
        handle.write(data)


async def _count(graph: AsyncDriver) -> int:
    records, _, _ = await graph.execute_query("MATCH (x:Exposure) RETURN count(x) AS n")
    return records[0]["n"]


async def test_failed_writes_stay_journaled_then_land(graph: AsyncDriver, settings: Settings,
                                                      tmp_path: Path) -> None:
    repository = ExperimentRepository(Database(graph, settings.neo4j_database))
    failures = {"left": 2}

    async def flaky(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if failures["left"]:
            failures["left"] -= 1
            raise ServiceUnavailable("database restarting")
        return await repository.write_exposures(rows)

    recorder = ExposureRecorder(flaky, tmp_path)
    before = metrics.EXPOSURE_WRITE_FAILURES._value.get()
    for n in range(1200):  # three batches
        recorder.record(_exposure(n))
    assert not await recorder.flush()
    assert not await recorder.flush()
    assert metrics.EXPOSURE_WRITE_FAILURES._value.get() == before + 2
    assert metrics.EXPOSURE_BACKLOG._value.get() == 1200
    assert await _count(graph) == 0
    assert len(_segments(tmp_path)) == 1  # still on disk
    assert await recorder.flush()
    assert await _count(graph) == 1200
    assert _segments(tmp_path) == []
    assert metrics.EXPOSURE_BACKLOG._value.get() == 0


async def test_leftovers_of_a_stopped_process_are_replayed_at_start(
        graph: AsyncDriver, settings: Settings, tmp_path: Path) -> None:
    # A process whose database is unreachable journals, fails, and stops.
    dead = create_driver(settings.model_copy(update={"neo4j_uri": "bolt://127.0.0.1:9"}))
    try:
        gone = ExposureRecorder(ExperimentRepository(Database(dead, settings.neo4j_database))
                                .write_exposures, tmp_path)
        for n in range(300):
            gone.record(_exposure(n))
        await gone.close(timeout_s=5)
    finally:
        await dead.close()
    # ... and died mid-append of one more line
    _append(_segments(tmp_path)[0], b'{"recommendation_id": "cut sh')
    # The next process replays it.
    recorder = ExposureRecorder(ExperimentRepository(Database(graph, settings.neo4j_database))
                                .write_exposures, tmp_path, interval_s=0.05)
    recorder.start()
    try:
        for _ in range(200):
            if not _segments(tmp_path):
                break
            await asyncio.sleep(0.05)
    finally:
        await recorder.close()
    assert await _count(graph) == 300


async def test_neo4j_restart_mid_flight_loses_nothing(api: httpx.AsyncClient, exp_app: FastAPI,
                                                      graph: AsyncDriver, settings: Settings,
                                                      admin_headers: dict,
                                                      exp_settings: Settings) -> None:
    exp_journal = exp_settings.exposure_journal_dir
    await send(api, admin_headers, *(track(f"buyer{n}", "Order Completed", item)
                                     for n, item in enumerate(ITEMS)))
    await start(api, admin_headers, definition())
    served = [await recommend(api, admin_headers, f"buyer{n}") for n in range(len(ITEMS))]
    assert all(r["experiment"] for r in served)
    recorder = exp_app.state.services.experiments.exposures
    neo4j_server.stop(settings)
    try:
        assert not await recorder.flush()  # the database is down: kept, counted
    finally:
        neo4j_server.start(settings)
    # A restarted store can take a while to accept writes on a loaded machine: wait on a
    # deadline, and say so when it passes instead of reading a half-written graph.
    deadline = asyncio.get_running_loop().time() + 240
    while not await recorder.flush():
        assert asyncio.get_running_loop().time() < deadline, (
            f"journal not written 240 s after the restart: {_segments(exp_journal)}")
        await asyncio.sleep(0.5)
    records, _, _ = await graph.execute_query(
        "MATCH (x:Exposure) RETURN collect(x.recommendation_id) AS ids")
    assert sorted(records[0]["ids"]) == sorted(r["recommendation_id"] for r in served)
