"""The promoted recommendation model, loaded for serving and swapped without a restart.

Loading happens in a worker thread and the new model replaces the reference in one
assignment, so requests in flight finish on the model they started with. Users erased since
start-up are dropped from every model this process loads, also from an older artifact that
still holds their vector. `current` is the loaded model plus vectors for items added after it
(`serve_fresh`); `base` is the model as loaded.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from recmodel.artifact_format import (
    ArtifactError,
    EmbeddingArtifact,
    current_version,
    load_artifact,
)

log = logging.getLogger("profilegraph.model_store")


class ModelStore:
    def __init__(self, artifacts_dir: Path) -> None:
        self._dir = artifacts_dir
        self._model: EmbeddingArtifact | None = None
        self._served: EmbeddingArtifact | None = None
        self._erased: set[str] = set()

    @property
    def current(self) -> EmbeddingArtifact | None:
        return self._served

    @property
    def base(self) -> EmbeddingArtifact | None:
        return self._model

    def serve_fresh(self, version: str, item_ids: list[str], item_emb: np.ndarray,
                    item_proj: np.ndarray) -> None:
        """Serve `version` extended with vectors for items it was built without (ignored
        when another version was loaded meanwhile)."""
        model = self._model
        if model is None or model.version != version:
            return
        self._served = model.with_items(item_ids, item_emb, item_proj) if item_ids else model

    def reload_if_changed(self) -> bool:
        """Load the promoted version when it differs from the one served. Blocking."""
        version = current_version(self._dir)
        if version is None or (self._model is not None and self._model.version == version):
            return False
        try:
            model = load_artifact(self._dir / version, mmap=False)
        except (ArtifactError, OSError, ValueError) as exc:
            log.error("keeping model %s; could not load %s: %s",
                      self._model.version if self._model else None, version, exc)
            return False
        _drop_users(model, self._erased)
        self._model = self._served = model
        log.info("serving model %s", version)
        return True

    def forget_users(self, user_ids: Iterable[str]) -> None:
        """Remove users' vectors from serving at once (erasure)."""
        ids = set(user_ids)
        self._erased |= ids
        if self._model is not None:
            _drop_users(self._model, ids)

    async def poll(self, interval_s: float) -> None:
        while True:
            try:
                await asyncio.to_thread(self.reload_if_changed)
            except Exception:  # a bad artifact must never stop serving the current one
                log.exception("model reload failed")
            await asyncio.sleep(interval_s)


def _drop_users(model: EmbeddingArtifact, user_ids: set[str]) -> None:
    for user_id in user_ids & model.user_row.keys():
        row = model.user_row.pop(user_id)
        model.user_emb[row] = 0.0
