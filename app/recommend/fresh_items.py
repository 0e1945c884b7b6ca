"""Vectors for items added after the model was built, from their graph neighbourhood.

A new item's vector (and projection) is the mean of the model-era items the same consented
shoppers interacted with, weighted by shoppers in common; an item nobody has touched yet gets
the mean of its category's items. Recomputed on an interval, so an item becomes
recommendable minutes after its first interactions, without retraining. The items are read in
keyset pages of 50, each its own short read, at most 10 s of reads per tick
(`FreshItemRefresher`): thousands of new items (an import before its rebuild) are covered over
a few ticks instead of one transaction that outlives the server's timeout.

The mean is served as is, shorter than its neighbours (their directions partly cancel), so a
fresh item enters a list only where it clearly fits. Rescaling it to its neighbours' length
(`keep_norm`) was measured and rejected on the Online Retail II validation replay
(bench/replay_fresh.py): new items reach more lists but push out better known ones, Recall@20
over all invoices 0.0929 against 0.1048 as served (docs/benchmarks-gnn.md).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

import numpy as np

from app.core.metrics import FRESH_ITEM_FAILURES
from app.recommend.model_store import ModelStore
from app.recommend.recommendation_repository import FreshItem, RecommendationRepository
from recmodel.artifact_format import EmbeddingArtifact

log = logging.getLogger("profilegraph.fresh_items")


def fresh_vectors(model: EmbeddingArtifact, fresh: list[FreshItem], keep_norm: bool = False
                  ) -> tuple[list[str], np.ndarray, np.ndarray]:
    """(ids, item vectors, projections) for the fresh items that have a usable neighbourhood;
    `keep_norm` scales each to its neighbours' mean length (measured, off when serving)."""
    ids, emb, proj = [], [], []
    for item in fresh:
        if item.item_id in model.item_row and item.item_id not in model.manifest.get(
                "fresh_items", []):
            continue  # the model already holds it
        pairs = [(model.item_row[j], n) for j, n in item.neighbours if j in model.item_row]
        if not pairs:
            pairs = [(model.item_row[j], 1) for j in item.peers if j in model.item_row]
        if not pairs:
            continue
        rows = [r for r, _ in pairs]
        w = np.asarray([n for _, n in pairs], dtype=np.float32)
        w /= w.sum()
        ids.append(item.item_id)
        e, q = w @ model.item_emb[rows], w @ model.item_proj[rows]
        if keep_norm:
            e *= (w @ np.linalg.norm(model.item_emb[rows], axis=1)) / (np.linalg.norm(e) + 1e-12)
            q *= (w @ np.linalg.norm(model.item_proj[rows], axis=1)) / (np.linalg.norm(q) + 1e-12)
        emb.append(e)
        proj.append(q)
    dim = model.item_emb.shape[1]
    return (ids, np.asarray(emb, np.float32).reshape(-1, dim),
            np.asarray(proj, np.float32).reshape(-1, dim))


def model_as_of(model: EmbeddingArtifact) -> datetime | None:
    """When the model's export ran, by the wall clock: `Item.created_at` is stamped by the
    same clock when the store first hears of an item. (The manifest's `as_of` is the data's
    own time, the latest event, years ago for an imported history.)"""
    raw = model.manifest.get("exported_at") or model.manifest.get("created_at")
    try:
        return datetime.fromisoformat(raw) if raw else None
    except ValueError:
        return None


class FreshItemRefresher:
    """Derives fresh-item vectors page by page (each page its own short read), at most
    `budget_s` of reads per tick: a store with thousands of items newer than the model is
    covered over a few ticks, continuing where the last one stopped, never in one long
    transaction. Vectors found are served at once and kept until the round that recomputes
    them; a new model starts over."""

    def __init__(self, models: ModelStore, repository: RecommendationRepository,
                 page: int = 50, budget_s: float | None = 10.0) -> None:
        self.models, self.repository, self.page, self.budget_s = models, repository, page, budget_s
        self.version: str | None = None
        self.after: tuple[datetime, str] | None = None  # None: the next tick starts a round
        self.vectors: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    async def tick(self) -> int:
        """Reads pages until the budget is spent or the round ends; returns how many fresh
        items are served."""
        model = self.models.base
        since = model_as_of(model) if model is not None else None
        if model is None or since is None:
            return 0
        if since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        if model.version != self.version:
            self.version, self.after, self.vectors = model.version, None, {}
        loop = asyncio.get_running_loop()
        deadline = None if self.budget_s is None else loop.time() + self.budget_s
        while True:
            page = await self.repository.fresh_items(since, self.after, limit=self.page)
            ids, emb, proj = fresh_vectors(model, page)
            self.vectors.update({i: (e, q) for i, e, q in zip(ids, emb, proj, strict=True)})
            if len(page) < self.page:
                self.after = None  # round done: the next tick recomputes from the start
                break
            self.after = (page[-1].created_at, page[-1].item_id)
            if deadline is not None and loop.time() >= deadline:
                break
        dim = model.item_emb.shape[1]
        ids = list(self.vectors)
        emb = np.asarray([self.vectors[i][0] for i in ids], np.float32).reshape(-1, dim)
        proj = np.asarray([self.vectors[i][1] for i in ids], np.float32).reshape(-1, dim)
        self.models.serve_fresh(model.version, ids, emb, proj)
        return len(ids)


async def refresh_fresh_items(models: ModelStore, repository: RecommendationRepository,
                              page: int = 50) -> int:
    """One whole round (every page, no budget); returns how many fresh items are served."""
    return await FreshItemRefresher(models, repository, page, budget_s=None).tick()


async def poll_fresh_items(models: ModelStore, repository: RecommendationRepository,
                           interval_s: float, budget_s: float = 10.0) -> None:
    refresher = FreshItemRefresher(models, repository, budget_s=budget_s)
    while True:
        try:
            await refresher.tick()
        except Exception:  # counted; the previous vectors stay served until the next try
            FRESH_ITEM_FAILURES.inc()
            log.exception("fresh item refresh failed")
        await asyncio.sleep(interval_s)
