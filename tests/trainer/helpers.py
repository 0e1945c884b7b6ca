"""Helpers for tests that use the shared real datasets."""

from __future__ import annotations

from pathlib import Path

import pytest

from recmodel.artifact_format import EmbeddingArtifact, current_version, load_artifact
from trainer.data import SHARED_DATA


def shared_or_skip(name: str) -> Path:
    folder = SHARED_DATA / name
    if not folder.is_dir():
        pytest.skip(f"shared dataset {folder} is absent (real-data test)")
    return folder


def load_current(artifacts_dir: Path) -> EmbeddingArtifact | None:
    """The promoted artifact, or None when there is none yet."""
    version = current_version(artifacts_dir)
    return None if version is None else load_artifact(artifacts_dir / version)
