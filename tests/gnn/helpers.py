"""Helpers for tests that use the shared real datasets."""

from __future__ import annotations

from pathlib import Path

import pytest

from gnn.data import SHARED_DATA


def shared_or_skip(name: str) -> Path:
    folder = SHARED_DATA / name
    if not folder.is_dir():
        pytest.skip(f"shared dataset {folder} is absent (real-data test)")
    return folder
