"""Model runs as the console, the admin REST routes and `profilegraph model` show them, and
manual promote / roll back.

Runs are the artifact version directories (`recmodel.artifact_format`); promotion moves the
CURRENT pointer with the same atomic replace builds use (`recmodel.artifact.set_current`, numpy
only, no torch) and a serving process loads it at once (other processes within their poll
interval). Every change of CURRENT, a build's own promotion included, is appended with its
reason to `PROMOTIONS.jsonl` beside the artifacts, which is also what a roll back returns to.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.core.errors import ApiError
from app.recommend.model_store import ModelStore
from recmodel.artifact import PROMOTIONS, append_promotion, read_promotions, set_current
from recmodel.artifact_format import ArtifactError, current_version, list_versions, read_manifest

LOG = PROMOTIONS


@dataclass(frozen=True)
class TrainingRun:
    version: str
    manifest: dict[str, Any]
    promoted: bool
    served: bool

    @property
    def metrics(self) -> dict[str, dict[str, Any]]:
        return self.manifest.get("metrics", {})

    @property
    def baselines(self) -> dict[str, dict[str, Any]]:
        return self.manifest.get("baselines", {}).get("val", {})


class ModelAdmin:
    def __init__(self, artifacts_dir: Path, models: ModelStore | None = None) -> None:
        """`models`: the serving process's store, reloaded at once after a change (the CLI
        has none; the API processes pick the change up within their poll interval)."""
        self._dir = Path(artifacts_dir)
        self._models = models

    def promoted(self) -> str | None:
        return current_version(self._dir)

    def runs(self) -> list[TrainingRun]:
        """Every complete run, newest first."""
        promoted = current_version(self._dir)
        model = self._models.current if self._models is not None else None
        served = model.version if model is not None else None
        out = []
        for version in reversed(list_versions(self._dir)):
            try:
                manifest = read_manifest(self._dir / version)
            except (ArtifactError, ValueError, OSError):
                continue
            out.append(TrainingRun(version, manifest, version == promoted, version == served))
        return out

    def history(self) -> list[dict[str, Any]]:
        """Every change of the promoted model, oldest first."""
        return read_promotions(self._dir)

    def rollback_target(self) -> str | None:
        """The model promoted before the current one: from the log, else the previous run."""
        current = current_version(self._dir)
        for entry in reversed(self.history()):
            if entry.get("version") == current and entry.get("previous"):
                return entry["previous"]
        versions = list_versions(self._dir)
        if current in versions and versions.index(current) > 0:
            return versions[versions.index(current) - 1]
        return None

    async def promote(self, version: str, by: str, reason: str,
                      action: str = "promote") -> str:
        if version not in list_versions(self._dir):
            raise ApiError(404, "not_found", f"no model run {version!r}",
                           [{"field": "version", "reason": "no such run"}])
        previous = current_version(self._dir)
        await asyncio.to_thread(set_current, self._dir, version)
        entry = {"at": datetime.now(UTC).isoformat(), "action": action, "version": version,
                 "previous": previous, "by": by, "reason": reason}
        await asyncio.to_thread(append_promotion, self._dir, entry)
        if self._models is not None:
            await asyncio.to_thread(self._models.reload_if_changed)
        return version

    async def rollback(self, by: str, reason: str) -> str:
        target = self.rollback_target()
        if target is None:
            raise ApiError(409, "nothing_to_roll_back", "no earlier model to return to")
        return await self.promote(target, by, reason, action="rollback")
