"""Model artifact layout and the read side, for the serving process.

Depends on numpy and the standard library only: the API loads artifacts with this
module and must never import torch (recmodel imports no torch, app or trainer:
tests/architecture/test_layers.py).

Layout of an artifacts directory:

    <artifacts>/CURRENT                  one line: the promoted version name
    <artifacts>/<version>/manifest.json  metadata, metrics, checksums
    <artifacts>/<version>/user_embeddings.npy   float32 (n_users, dim)
    <artifacts>/<version>/item_embeddings.npy   float32 (n_items, dim)
    <artifacts>/<version>/user_ids.json  external user_id of each row
    <artifacts>/<version>/item_ids.json  external item_id of each row
    <artifacts>/<version>/item_projection.npy   optional float32 (n_items, dim): how a
                                         weighted history becomes a user vector (u = h P)

A model family ("lightgcn", "graph_filter", "blend") is one shape at serving time: item
vectors Q, an item projection P and trained user vectors. Scores are u Q^T; a live history h
(weighted item counts) gives u = h P, which is what keeps a list current between trainings
and serves shoppers the model has never seen. Artifacts without a projection use P = Q.
A filter served as its explicit item-item operator M (Turbo-CF) has P = M and Q = I; its
manifest says so (`"item_vectors": "identity"`, checked at load) and scoring skips the
product with I: the scores are u itself.

A version directory appears only complete (written elsewhere, then renamed), and
CURRENT is replaced atomically, so a reader never sees a half-written model.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Set as AbstractSet
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
ITEM_PROJ = "item_projection.npy"
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
    """A loaded model: item vectors, item projection, trained user vectors, id maps."""

    version: str
    manifest: dict
    user_emb: np.ndarray
    item_emb: np.ndarray
    user_ids: list[str]
    item_ids: list[str]
    item_proj: np.ndarray | None = None
    user_row: dict[str, int] = field(init=False, repr=False)
    item_row: dict[str, int] = field(init=False, repr=False)
    identity_rows: int = field(init=False, repr=False)  # leading rows of Q that are I

    def __post_init__(self) -> None:
        self.user_row = {u: i for i, u in enumerate(self.user_ids)}
        self.item_row = {t: i for i, t in enumerate(self.item_ids)}
        if self.item_proj is None:
            self.item_proj = self.item_emb
        dim = self.item_emb.shape[1]
        head = self.item_emb[:dim]
        self.identity_rows = dim if (
            self.manifest.get("item_vectors") == "identity" and len(head) == dim
            and np.count_nonzero(head) == dim and bool(np.all(np.diagonal(head) == 1))) else 0

    @property
    def family(self) -> str:
        return str(self.manifest.get("model", "lightgcn"))

    def with_items(self, item_ids: list[str], item_emb: np.ndarray,
                   item_proj: np.ndarray) -> EmbeddingArtifact:
        """A copy that also holds items the model was built without (vectors derived from
        their graph neighbourhood); trained vectors are shared, not copied."""
        base = len(self.item_ids) - len(self.manifest.get("fresh_items", []))
        keep = slice(0, base)
        out = EmbeddingArtifact(
            self.version, {**self.manifest, "fresh_items": list(item_ids)}, self.user_emb,
            np.vstack([self.item_emb[keep], item_emb]).astype(np.float32),
            self.user_ids, self.item_ids[:base] + list(item_ids),
            np.vstack([self.item_proj[keep], item_proj]).astype(np.float32))
        out.user_row = self.user_row  # erasure edits stay visible to every view
        return out

    def history_rows(self, rows: list[int]) -> np.ndarray:
        """P's rows of the history items, (len(rows), dim): gathered once per request, for
        the history vector and the reasons alike (`block` below)."""
        return self.item_proj[rows]

    def history_vector(self, rows: list[int], weights: list[float],
                       block: np.ndarray | None = None) -> np.ndarray | None:
        """The propagation one graph layer performs, from the shopper's current
        neighbourhood: u = sum_i w_i P_i over the items of their history."""
        if not rows:
            return None
        return np.asarray(weights, dtype=np.float32) @ (
            self.item_proj[rows] if block is None else block)

    def user_vector(self, user_id: str, rows: list[int], weights: list[float],
                    static_weight: float, block: np.ndarray | None = None
                    ) -> tuple[np.ndarray | None, str]:
        """Trained vector and live-history vector combined (each scaled to unit length, the
        trained one weighted `static_weight`). Returns the vector and the path taken:
        'static' (trained only), 'live' (both), 'inductive' (history only) or 'none'.
        `block`: `history_rows(rows)` when the caller has it."""
        row = self.user_row.get(user_id)
        trained = self.user_emb[row] if row is not None and static_weight > 0 else None
        live = self.history_vector(rows, weights, block) if static_weight < 1 else None
        if trained is not None and not np.any(trained):
            trained = None  # erased
        if live is None:
            return (trained, "static") if trained is not None else (None, "none")
        live = live / (np.linalg.norm(live) + 1e-12)
        if trained is None:
            return live, "inductive"
        mixed = static_weight * trained / (np.linalg.norm(trained) + 1e-12)
        return mixed + (1.0 - static_weight) * live, "live"

    def target_scores(self, vectors: np.ndarray, targets: list[int]) -> np.ndarray:
        """(len(targets), m): each row of `vectors` (m, dim) scored against the item vectors
        of the `targets` rows (columns of `vectors` where Q is the identity)."""
        t = np.asarray(targets, dtype=np.int64)
        if self.identity_rows and (t < self.identity_rows).all():
            return vectors[:, t].T
        return self.item_emb[t] @ vectors.T

    def contributions(self, rows: list[int], weights: list[float],
                      targets: list[int], block: np.ndarray | None = None) -> np.ndarray:
        """(len(targets), len(rows)): what each history item (row of P, weighted) adds to
        each target's score, w_i P_i . Q_j. Where Q is the identity that is P's entry
        (i, j), read alone: the history's whole rows of an item-item operator are as long
        as the catalogue. `block`: `history_rows(rows)` when the caller has it (its columns
        are read then: ~10x faster than P's scattered entries, the same values)."""
        w = np.asarray(weights, dtype=np.float32)[:, None]
        t = np.asarray(targets, dtype=np.int64)
        if self.identity_rows and (t < self.identity_rows).all():
            if block is not None:
                return (block[:, t] * w).T
            return (self.item_proj[np.ix_(rows, t)] * w).T
        return self.target_scores((self.item_proj[rows] if block is None else block) * w,
                                  targets)

    def rank(self, vector: np.ndarray, k: int = 20,
             exclude: AbstractSet[str] | None = None,
             floor: float = 0.0) -> list[tuple[str, float]]:
        """Top-k (item_id, score) for a user vector, `exclude` left out. `floor`: items
        scoring below that share of the best score (the excluded items' included) are left
        out too: numerical dust, not a neighbourhood."""
        n = self.identity_rows
        if n:  # Q = I on its first rows: those scores are the vector itself
            scores = np.empty(len(self.item_ids), dtype=np.float32)
            scores[:n] = vector
            if len(scores) > n:
                scores[n:] = self.item_emb[n:] @ vector
        else:
            scores = self.item_emb @ vector
        best = float(scores.max(initial=0.0))
        if floor > 0 and best > 0:
            scores[scores < floor * best] = -np.inf
        if exclude:
            rows = [r for r in map(self.item_row.get, exclude) if r is not None]
            scores[rows] = -np.inf
        k = min(k, len(scores))
        if k <= 0:
            return []
        top = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
        top = top[np.argsort(-scores[top], kind="stable")]
        top_scores = scores[top]
        keep = np.isfinite(top_scores)  # vectorized: this runs on every request
        ids = self.item_ids
        return [(ids[i], s) for i, s in
                zip(top[keep].tolist(), top_scores[keep].tolist(), strict=True)]

    def recommend(
        self, user_id: str, k: int = 20, exclude: set[str] | None = None
    ) -> list[tuple[str, float]]:
        """Top-k from the trained vector alone; [] for a user the model does not know."""
        row = self.user_row.get(user_id)
        if row is None:
            return []
        return self.rank(self.user_emb[row], k, exclude)

    def similar(self, item_id: str, k: int = 20) -> list[tuple[str, float]]:
        """Items the model recommends to a shopper whose whole history is `item_id`: the same
        filter as personal lists (a one-item history through P, scored against Q), so
        "similar" and "for you" agree. [] for an item the model does not hold."""
        row = self.item_row.get(item_id)
        if row is None:
            return []
        return self.rank(self.item_proj[row].astype(np.float32), k, {item_id})


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
    item_proj = np.load(d / ITEM_PROJ, mmap_mode=mode) if (d / ITEM_PROJ).is_file() else None
    user_ids = json.loads((d / USER_IDS).read_text())
    item_ids = json.loads((d / ITEM_IDS).read_text())
    if user_emb.shape[0] != len(user_ids) or item_emb.shape[0] != len(item_ids):
        raise ArtifactError(f"id maps do not match embedding rows in {d}")
    if user_emb.shape[1] != item_emb.shape[1]:
        raise ArtifactError(f"user and item embedding sizes differ in {d}")
    if item_proj is not None and item_proj.shape != item_emb.shape:
        raise ArtifactError(f"item projection does not match the item vectors in {d}")
    return EmbeddingArtifact(d.name, manifest, user_emb, item_emb, user_ids, item_ids,
                             item_proj)
