"""Model candidates scored on ONE validation split, so promotion compares like with like.

`profilegraph train` trains LightGCN on the fit part of a split; the graph filter and a blend
of the two are scored on the same (fit, valid) pair with the same numpy evaluation. The best
validation Recall@20 is written as the artifact (numpy only, whatever the family) and the
manifest records every candidate's figures. Everything here is torch-free.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from recmodel.factors import FilterFactors
from recmodel.numpy_eval import evaluate_dense
from trainer.build_model import (
    POLYNOMIAL,
    build_filter,
    choose_graph_filter,
    popularity_val,
    search_available,
)

BLEND_WEIGHTS = (0.25, 0.5, 0.75)  # share of LightGCN in a blend


@dataclass
class ServingArrays:
    family: str
    user_emb: np.ndarray
    item_emb: np.ndarray
    item_proj: np.ndarray
    params: dict


@dataclass
class Comparison:
    winner: str
    table: dict[str, dict]  # candidate -> validation metrics
    params: dict[str, dict]
    served: object | None = None  # trainer.filters.serving.ServedFilter when it was searched


def lightgcn_projection(item_emb: np.ndarray, train: sp.csr_matrix) -> np.ndarray:
    """One LightGCN layer from items to a user: sum_i e_i / sqrt(deg_i) (the user's own
    1/sqrt(deg_u) is a scale, removed when live vectors are normalized)."""
    deg = np.asarray(train.sum(axis=0)).ravel().astype(np.float64)
    with np.errstate(divide="ignore"):
        inv = np.where(deg > 0, deg ** -0.5, 0.0)
    return (item_emb * inv[:, None]).astype(np.float32)


def _score_scale(scores: np.ndarray) -> float:
    return float(np.std(scores)) or 1.0


def blend_arrays(lgcn_user: np.ndarray, lgcn_item: np.ndarray, lgcn_proj: np.ndarray,
                 gf: FilterFactors, history: sp.csr_matrix, share: float) -> ServingArrays:
    """Scores share * S_lightgcn + (1 - share) * S_filter, each divided by its spread, in
    factor form (concatenated vectors); the projection parts are scaled so a live vector has
    the trained vectors' proportions."""
    gf_user = gf.user_vectors(history)
    sample = slice(0, min(256, len(lgcn_user)))
    c_l = share / _score_scale(lgcn_user[sample] @ lgcn_item.T)
    c_g = (1 - share) / _score_scale(gf_user[sample] @ gf.item_emb.T)
    live_l = np.linalg.norm(np.asarray(history @ lgcn_proj), axis=1).mean() or 1.0
    scale_l = np.linalg.norm(lgcn_user, axis=1).mean() / live_l
    return ServingArrays(
        "blend", np.hstack([lgcn_user, gf_user]).astype(np.float32),
        np.hstack([c_l * lgcn_item, c_g * gf.item_emb]).astype(np.float32),
        np.hstack([scale_l * lgcn_proj, gf.item_proj]
                  ).astype(np.float32),
        {"lightgcn_share": share})


FAMILIES = ("lightgcn", "graph_filter", POLYNOMIAL, "blend")


def _filter_factors(comparison: Comparison, name: str, train: sp.csr_matrix) -> FilterFactors:
    """Serving factors of filter candidate `name` built on `train`."""
    if name == POLYNOMIAL:
        from trainer.filters.serving import build_served_filter

        return build_served_filter(train, comparison.served)
    return build_filter(train, comparison.params["graph_filter"])


def compare(fit: sp.csr_matrix, valid: sp.csr_matrix, lgcn_user: np.ndarray,
            lgcn_item: np.ndarray, k: int = 20,
            families: tuple[str, ...] = FAMILIES) -> Comparison:
    """LightGCN (trained on `fit`), the graph filters and blends, scored on `valid`. The
    searched filter (exported form) competes when torch is installed; the blend uses
    whichever filter scored better."""
    metric = f"recall@{k}"
    table: dict[str, dict] = {
        "popularity": popularity_val(fit, valid, k),
        "lightgcn": evaluate_dense(lambda u: lgcn_user[u] @ lgcn_item.T, valid, fit, k),
    }
    choice = choose_graph_filter(fit, valid, k)
    table["graph_filter"] = choice.val
    result = Comparison("", table, {"graph_filter": choice.params})
    if POLYNOMIAL in families and search_available():
        from trainer.filters.serving import choose_served_filter

        result.served = choose_served_filter(fit, valid, k)
        table[POLYNOMIAL] = result.served.val
        result.params[POLYNOMIAL] = result.served.manifest()
    filters = [n for n in ("graph_filter", POLYNOMIAL) if n in table]
    blend_filter = max(filters, key=lambda n: table[n][metric])
    gf = _filter_factors(result, blend_filter, fit)
    proj = lightgcn_projection(lgcn_item, fit)
    best_blend = None
    for share in BLEND_WEIGHTS:
        arr = blend_arrays(lgcn_user, lgcn_item, proj, gf, fit, share)
        m = evaluate_dense(lambda u, a=arr: a.user_emb[u] @ a.item_emb.T, valid, fit, k)
        if best_blend is None or m[metric] > best_blend[1][metric]:
            best_blend = (share, m)
    assert best_blend is not None
    table["blend"] = best_blend[1]
    result.params["blend"] = {**result.params[blend_filter], "filter": blend_filter,
                              "lightgcn_share": best_blend[0]}
    result.winner = max((f for f in families if f in table), key=lambda n: table[n][metric])
    return result


def winner_arrays(comparison: Comparison, train: sp.csr_matrix, lgcn_user: np.ndarray,
                  lgcn_item: np.ndarray) -> ServingArrays:
    """The serving arrays of the winner; a graph filter is rebuilt on every interaction
    with its validated settings (it has no training to repeat)."""
    proj = lightgcn_projection(lgcn_item, train)
    winner = comparison.winner
    if winner == "lightgcn":
        return ServingArrays("lightgcn", lgcn_user, lgcn_item, proj, {})
    if winner in ("graph_filter", POLYNOMIAL):
        gf = _filter_factors(comparison, winner, train)
        return ServingArrays(winner, gf.user_vectors(train), gf.item_emb, gf.item_proj,
                             comparison.params[winner])
    blend = comparison.params["blend"]
    gf = _filter_factors(comparison, blend.get("filter", "graph_filter"), train)
    return blend_arrays(lgcn_user, lgcn_item, proj, gf, train, blend["lightgcn_share"])
