"""Build, validate and publish the graph-filter model: numpy/scipy only, seconds on a store's
graph. `profilegraph build-model` runs it without the train extra, so a fresh install serves
personalized lists at once; `profilegraph train` scores it next to LightGCN on the same
validation split and promotes the winner."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from gnn.artifact import PROMOTE_METRIC, promote_if_better, write_artifact
from gnn.data import Interactions, split_validation
from gnn.graph_filter import FilterFactors, Spectrum
from gnn.live_history import ServingParams
from gnn.numpy_eval import evaluate_dense

# (rank, alpha) variants; rank is capped by the graph's size. Chosen on validation Recall@20.
GRID: tuple[tuple[int, float], ...] = (
    (32, 0.3), (64, 0.3), (128, 0.3), (256, 0.3), (128, 0.0), (128, 1.0), (256, 1.0))
MODEL_VERSION_NOTE = "graph-filter-gfcf-factors/1"


@dataclass
class FilterChoice:
    params: dict
    val: dict
    table: list[dict]


def popularity_val(fit: sp.csr_matrix, valid: sp.csr_matrix, k: int = 20) -> dict:
    counts = np.asarray(fit.sum(axis=0)).ravel().astype(np.float32)
    return evaluate_dense(lambda u: np.broadcast_to(counts, (len(u), len(counts))), valid,
                          fit, k)


def choose_graph_filter(fit: sp.csr_matrix, valid: sp.csr_matrix, k: int = 20,
                        grid: tuple[tuple[int, float], ...] = GRID,
                        seed: int = 0) -> FilterChoice:
    """Every variant of the grid scored on (fit, valid); the best validation Recall@k wins."""
    cap = max(1, min(fit.shape))
    ranks = sorted({min(r, cap) for r, _ in grid})
    spectrum = Spectrum.of(fit, max(ranks), seed)
    table, best = [], None
    for rank, alpha in dict.fromkeys((min(r, cap), a) for r, a in grid):
        f = spectrum.factors(rank, rank, alpha)
        metrics = evaluate_dense(lambda u, f=f: f.scores(fit[u]), valid, fit, k)
        table.append({"rank": rank, "alpha": alpha, **metrics})
        if best is None or metrics[f"recall@{k}"] > best[1][f"recall@{k}"]:
            best = ({"rank": rank, "alpha": alpha}, metrics)
    assert best is not None
    return FilterChoice(best[0], best[1], table)


def build_filter(train: sp.csr_matrix, params: dict, seed: int = 0) -> FilterFactors:
    rank = max(1, min(int(params["rank"]), min(train.shape)))
    return Spectrum.of(train, rank, seed).factors(rank, rank, float(params["alpha"]))


@dataclass
class FilterPublish:
    version: str
    path: Path
    promoted: bool
    reason: str
    val: dict
    choice: FilterChoice
    seconds: float


def publish_graph_filter(data: Interactions, artifacts_dir: Path | str,
                         val_fraction: float = 0.05, seed: int = 2020, k: int = 20,
                         extra_manifest: dict | None = None) -> FilterPublish:
    """Choose the filter on a validation carve-out, rebuild it on every interaction, write
    the artifact and promote it when it beats the current model."""
    if data.n_users == 0 or data.n_items == 0 or data.train.nnz == 0:
        raise ValueError("no consented interactions to build a model from")
    started = time.perf_counter()
    fit, valid = split_validation(data.train, val_fraction, seed)
    choice = choose_graph_filter(fit, valid, k)
    pop = popularity_val(fit, valid, k)
    factors = build_filter(data.train, choice.params)
    manifest = {
        "model": "graph_filter",
        "model_version": MODEL_VERSION_NOTE,
        "dataset": data.name,
        "data_snapshot_time": data.meta.get("snapshot_time") or data.meta.get("as_of"),
        "as_of": data.meta.get("as_of"),
        "trained_at": datetime.now(UTC).isoformat(),
        "params": {**choice.params, "val_fraction": val_fraction, "seed": seed},
        "promote_metric": f"val.{PROMOTE_METRIC}",
        "metrics": {"val": choice.val},
        "candidates": {"val": {"graph_filter": choice.val, "popularity": pop}},
        "grid": {"val": choice.table},
        "baselines": {"val": {"popularity": pop}},
        "serving": ServingParams().as_dict(),
        "data": {"n_interactions": int(data.train.nnz), "n_fit": int(fit.nnz),
                 "n_val": int(valid.nnz), **{key: v for key, v in data.meta.items()
                                             if key != "snapshot_time"}},
        **(extra_manifest or {}),
    }
    path = write_artifact(artifacts_dir, factors.user_vectors(data.train), factors.item_emb,
                          data.user_ids, data.item_ids, manifest, item_proj=factors.item_proj)
    promoted, reason = promote_if_better(artifacts_dir, path.name)
    return FilterPublish(path.name, path, promoted, reason, choice.val, choice,
                         time.perf_counter() - started)
