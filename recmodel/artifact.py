"""Write side of model artifacts: atomic version directories, the CURRENT pointer, the
promotion log. Which model deserves CURRENT is decided in `recmodel.promotion`.

Format and read side live in `recmodel.artifact_format` (numpy only, used by the API).
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from recmodel.artifact_format import (
    CURRENT,
    FORMAT,
    FORMAT_VERSION,
    ITEM_EMB,
    ITEM_IDS,
    ITEM_PROJ,
    MANIFEST,
    TMP_PREFIX,
    USER_EMB,
    USER_IDS,
    sha256_file,
)

PROMOTE_METRIC = "recall@20"
PROMOTIONS = "PROMOTIONS.jsonl"  # one JSON line per change of CURRENT


def new_version_name(now: datetime | None = None) -> str:
    """Sortable by creation time, unique across concurrent writers."""
    now = now or datetime.now(UTC)
    return f"{now:%Y%m%dT%H%M%S}Z-{uuid.uuid4().hex[:8]}"


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # not supported everywhere (e.g. some object-store mounts)
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_bytes(path: Path, data: bytes) -> None:
    with path.open("wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def write_artifact(
    artifacts_dir: Path | str,
    user_emb: np.ndarray,
    item_emb: np.ndarray,
    user_ids: list[str],
    item_ids: list[str],
    manifest: dict,
    version: str | None = None,
    item_proj: np.ndarray | None = None,
) -> Path:
    """Write a complete version directory atomically: everything goes into a temp
    directory inside `artifacts_dir` (same filesystem), which is then renamed."""
    if user_emb.shape[0] != len(user_ids) or item_emb.shape[0] != len(item_ids):
        raise ValueError("id maps must have one entry per embedding row")
    if item_proj is not None and item_proj.shape != item_emb.shape:
        raise ValueError("the item projection must match the item vectors")
    arrays = [(USER_EMB, user_emb), (ITEM_EMB, item_emb)]
    if item_proj is not None:
        arrays.append((ITEM_PROJ, item_proj))
    root = Path(artifacts_dir)
    root.mkdir(parents=True, exist_ok=True)
    version = version or new_version_name()
    tmp = root / f"{TMP_PREFIX}{version}"
    tmp.mkdir()
    try:
        for name, arr in arrays:
            with (tmp / name).open("wb") as fh:
                np.save(fh, np.ascontiguousarray(arr, dtype=np.float32))
                fh.flush()
                os.fsync(fh.fileno())
        _write_bytes(tmp / USER_IDS, json.dumps([str(u) for u in user_ids]).encode())
        _write_bytes(tmp / ITEM_IDS, json.dumps([str(i) for i in item_ids]).encode())
        full = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "version": version,
            "created_at": datetime.now(UTC).isoformat(),
            "n_users": len(user_ids),
            "n_items": len(item_ids),
            "dim": int(user_emb.shape[1]),
            **manifest,
            "sha256": {n: sha256_file(tmp / n)
                       for n in [*(a for a, _ in arrays), USER_IDS, ITEM_IDS]},
        }
        _write_bytes(
            tmp / MANIFEST, json.dumps(full, indent=2, sort_keys=True, default=str).encode()
        )
        _fsync_dir(tmp)
        final = root / version
        os.rename(tmp, final)  # atomic on POSIX; fails if the version exists
        _fsync_dir(root)
        return final
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def set_current(artifacts_dir: Path | str, version: str) -> None:
    """Point CURRENT at `version` with an atomic replace of the pointer file."""
    root = Path(artifacts_dir)
    if not (root / version / MANIFEST).is_file():
        raise FileNotFoundError(f"no artifact {version} in {root}")
    tmp = root / f"{TMP_PREFIX}{CURRENT}-{uuid.uuid4().hex[:8]}"
    _write_bytes(tmp, (version + "\n").encode())
    os.replace(tmp, root / CURRENT)
    _fsync_dir(root)


def append_promotion(artifacts_dir: Path | str, entry: dict) -> None:
    """Append one change of the promoted model (a build's promotion, a manual promote or roll
    back) to the log beside the artifacts; a roll back returns along it."""
    with (Path(artifacts_dir) / PROMOTIONS).open("a") as fh:
        fh.write(json.dumps(entry, default=str) + "\n")
        fh.flush()
        os.fsync(fh.fileno())


def read_promotions(artifacts_dir: Path | str) -> list[dict]:
    """The promotion log, oldest first (a torn last line from a crash is skipped)."""
    path = Path(artifacts_dir) / PROMOTIONS
    if not path.is_file():
        return []
    out = []
    for line in path.read_text().splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:
            continue
    return out
