"""Model artifact layout and the read side, for the serving process.

Depends on numpy and the standard library only: the API loads artifacts with this
module and must never import torch (so never import other `gnn` modules here).

Layout of an artifacts directory:

    <artifacts>/CURRENT                  one line: the promoted version name
    <artifacts>/<version>/manifest.json  metadata, metrics, checksums
    <artifacts>/<version>/user_embeddings.npy   float32 (n_users, dim)
    <artifacts>/<version>/item_embeddings.npy   float32 (n_items, dim)
    <artifacts>/<version>/user_ids.json  external user_id of each row
    <artifacts>/<version>/item_ids.json  external item_id of each row

A version directory appears only complete (written elsewhere, then renamed), and
CURRENT is replaced atomically, so a reader never sees a half-written model.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

FORMAT = "profilegraph-embeddings"
FORMAT_VERSION = 1
CURRENT = "CURRENT"
MANIFEST = "manifest.json"
USER_EMB = "user_embeddings.npy"
ITEM_EMB = "item_embeddings.npy"
USER_IDS = "user_ids.json"
ITEM_IDS = "item_ids.json"
TMP_PREFIX = ".tmp-"


class ArtifactError(RuntimeError):
    """The artifact is missing, incomplete or inconsistent."""


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@dataclass
class EmbeddingArtifact:
    """A loaded model: embeddings plus the external-id <-> row maps."""

    version: str
    manifest: dict
    user_emb: np.ndarray
    item_emb: np.ndarray
    user_ids: list[str]
    item_ids: list[str]
    user_row: dict[str, int] = field(init=False, repr=False)
    item_row: dict[str, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.user_row = {u: i for i, u in enumerate(self.user_ids)}
        self.item_row = {t: i for i, t in enumerate(self.item_ids)}

    def recommend(
        self, user_id: str, k: int = 20, exclude: set[str] | None = None
    ) -> list[tuple[str, float]]:
        """Top-k (item_id, score) by dot product; [] for a user the model does not know
        (the caller falls back to non-personalized results)."""
        row = self.user_row.get(user_id)
        if row is None:
            return []
        scores = self.item_emb @ self.user_emb[row]
        if exclude:
            idx = [self.item_row[i] for i in exclude if i in self.item_row]
            scores[idx] = -np.inf
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
        top = top[np.argsort(-scores[top], kind="stable")]
        top_scores = scores[top]
        keep = np.isfinite(top_scores)  # vectorized: this runs on every request
        ids = self.item_ids
        return [(ids[i], s) for i, s in
                zip(top[keep].tolist(), top_scores[keep].tolist(), strict=True)]


def read_manifest(version_dir: Path | str) -> dict:
    path = Path(version_dir) / MANIFEST
    if not path.is_file():
        raise ArtifactError(f"no manifest in {version_dir}")
    manifest = json.loads(path.read_text())
    if manifest.get("format") != FORMAT or manifest.get("format_version") != FORMAT_VERSION:
        raise ArtifactError(f"unsupported artifact format in {version_dir}")
    return manifest


def current_version(artifacts_dir: Path | str) -> str | None:
    """The promoted version name, or None when nothing was promoted yet."""
    pointer = Path(artifacts_dir) / CURRENT
    if not pointer.is_file():
        return None
    name = pointer.read_text().strip()
    return name or None


def list_versions(artifacts_dir: Path | str) -> list[str]:
    """Complete version directories, oldest first (names sort by creation time)."""
    root = Path(artifacts_dir)
    if not root.is_dir():
        return []
    return sorted(
        p.name
        for p in root.iterdir()
        if p.is_dir() and not p.name.startswith(".") and (p / MANIFEST).is_file()
    )


def load_artifact(
    version_dir: Path | str, mmap: bool = True, verify: bool = False
) -> EmbeddingArtifact:
    """Load one version directory; `verify` re-checks the manifest's checksums."""
    d = Path(version_dir)
    manifest = read_manifest(d)
    if verify:
        for name, digest in manifest.get("sha256", {}).items():
            if sha256_file(d / name) != digest:
                raise ArtifactError(f"checksum mismatch for {name} in {d}")
    mode = "r" if mmap else None
    user_emb = np.load(d / USER_EMB, mmap_mode=mode)
    item_emb = np.load(d / ITEM_EMB, mmap_mode=mode)
    user_ids = json.loads((d / USER_IDS).read_text())
    item_ids = json.loads((d / ITEM_IDS).read_text())
    if user_emb.shape[0] != len(user_ids) or item_emb.shape[0] != len(item_ids):
        raise ArtifactError(f"id maps do not match embedding rows in {d}")
    if user_emb.shape[1] != item_emb.shape[1]:
        raise ArtifactError(f"user and item embedding sizes differ in {d}")
    return EmbeddingArtifact(d.name, manifest, user_emb, item_emb, user_ids, item_ids)
