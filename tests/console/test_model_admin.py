"""Manual promotion and roll back of model runs (files only, no database)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.core.errors import ApiError
from app.recommend.model_admin import LOG, ModelAdmin
from app.recommend.model_store import ModelStore
from recmodel.artifact_format import current_version
from tests.console.storefront import write_model_runs


async def test_promote_roll_back_and_log(tmp_path: Path) -> None:
    old, new = write_model_runs(tmp_path)
    store = ModelStore(tmp_path)
    store.reload_if_changed()
    admin = ModelAdmin(tmp_path, store)
    runs = admin.runs()
    assert [r.version for r in runs] == [new, old]  # newest first
    assert runs[0].promoted and runs[0].served and runs[0].metrics["val"]["recall@20"] == 0.27
    assert runs[0].baselines["popularity"]["recall@20"] == 0.12

    assert await admin.rollback("console:k1", "new run lost sales") == old
    assert current_version(tmp_path) == old and store.current.version == old  # served at once
    assert await admin.promote(new, "console:k1", "fixed") == new
    assert admin.rollback_target() == old  # the model promoted before this one, from the log
    log = [json.loads(line) for line in (tmp_path / LOG).read_text().splitlines()]
    assert [(e["action"], e["version"], e["previous"], e["reason"]) for e in log] == [
        ("rollback", old, new, "new run lost sales"), ("promote", new, old, "fixed")]
    assert admin.history() == log


async def test_unknown_runs_and_nothing_to_roll_back(tmp_path: Path) -> None:
    admin = ModelAdmin(tmp_path)  # as the command line holds it: no serving store
    assert admin.runs() == [] and admin.rollback_target() is None
    with pytest.raises(ApiError) as missing:
        await admin.promote("nope", "console:k1", "why not")
    assert missing.value.status_code == 404
    with pytest.raises(ApiError) as nothing:
        await admin.rollback("console:k1", "why not")
    assert nothing.value.status_code == 409
