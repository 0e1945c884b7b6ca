"""Build, validate and publish the graph-filter model: numpy/scipy only (GF-CF, and Turbo-CF with
its recency decay up to `turbo.MAX_ITEMS` items); 13 s on the demo store, 143 s with the
imported Online Retail II year, export included, on the shared 2-core host (README).
`profilegraph build-model` runs it without the train extra, so a fresh install serves
personalized lists at once; `profilegraph train` scores it next to LightGCN on the same
validation split and promotes the winner."""

from __future__ import annotations

import importlib.util
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from recmodel.artifact import PROMOTE_METRIC, write_artifact
from recmodel.factors import FilterFactors, Spectrum
from recmodel.live_history import ServingParams
from recmodel.numpy_eval import DenseScorer, evaluate_dense
from recmodel.promotion import Judgement, Refit, Split, judge, promote_judged
from trainer import turbo
from trainer.data import Interactions, TimedEvents, split_validation, time_carve

# (rank, alpha) variants; rank is capped by the graph's size. Chosen on validation Recall@20.
GRID: tuple[tuple[int, float], ...] = (
    (32, 0.3), (64, 0.3), (128, 0.3), (256, 0.3), (128, 0.0), (128, 1.0), (256, 1.0))
MODEL_VERSION_NOTE = "graph-filter-factors/2"
# The searched family (GF-CF, Turbo-CF, BSPM, ChebyCF and blends, `trainer.filters`) exported in
# factor form. Its search runs on torch; without the train extra only GF-CF is built.
POLYNOMIAL = "polynomial_filter"
# Turbo-CF in numpy (trainer/turbo.py): the quick build's second family, catalogs up to
# `turbo.MAX_ITEMS` items.
TURBO = "turbo_cf"
QUICK = ("graph_filter", TURBO)
# Fewest validation users for which the time carve is used (below it, a random carve).
MIN_TIME_CARVE_USERS = 20


def search_available() -> bool:
    return all(importlib.util.find_spec(m) is not None for m in ("torch", "torch_geometric"))


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
    winner: str = "graph_filter"
    candidates: dict[str, dict] = field(default_factory=dict)
    validation: str = "random carve"  # or "time carve" (`validation_split`)
    judgement: Judgement | None = None  # the serving model's figure on the same split


def _searched(fit: sp.csr_matrix, valid: sp.csr_matrix, train: sp.csr_matrix, k: int,
              seed: int, events: TimedEvents | None
              ) -> tuple[dict, dict, Callable[[], FilterFactors]]:
    """The searched filter's validation figures (exported form), its manifest entry, and how
    to build its serving factors on every interaction (only if it wins)."""
    from trainer.filters.serving import build_served_filter, choose_served_filter

    served = choose_served_filter(fit, valid, k, seed=seed, events=events)
    return (served.val, served.manifest(),
            lambda: build_served_filter(train, served, seed, events))


def validation_split(data: Interactions, val_fraction: float, seed: int
                     ) -> tuple[Split, TimedEvents | None]:
    """A time carve of train when the data has event times and the carve has validation
    users enough (`MIN_TIME_CARVE_USERS`): a store's next purchases are what a model is
    for, and a random carve ranks settings differently (docs/benchmarks-gnn.md). Else a
    random carve of `val_fraction`. The events are returned when the time carve is used."""
    events = data.train_events
    if events is not None:
        fit, valid, start = time_carve(events, data.train.shape)
        if int((np.diff(valid.indptr) > 0).sum()) >= MIN_TIME_CARVE_USERS:
            return Split.time_carve(fit, valid, data.user_ids, data.item_ids, start), events
    fit, valid = split_validation(data.train, val_fraction, seed)
    return Split(fit, valid, data.user_ids, data.item_ids, "random carve"), None


def refit_for(split: Split, events: TimedEvents | None, seed: int = 0) -> Refit:
    """How promotion refits the serving model's recipe on this split's fit part: the graph
    filter from its (rank, alpha), the searched family from its manifest entry (when torch
    is installed); None for other families (their artifact is scored as it serves)."""
    def refit(manifest: dict) -> DenseScorer | None:
        family, params = manifest.get("model"), manifest.get("params") or {}
        if family == "graph_filter" and {"rank", "alpha"} <= params.keys():
            f = build_filter(split.fit, params, seed)
            return lambda u: f.scores(split.fit[u])
        until = split.cut.timestamp() / 86_400.0 if split.cut is not None else None
        if family == TURBO and {"alpha", "order"} <= params.keys():
            return turbo.scorer(params, split.fit, events, until)
        if family == POLYNOMIAL and search_available() and "family" in params:
            from trainer.filters.serving import refit_factors

            fac = refit_factors(params, split.fit, events, until, seed)
            return lambda u: fac.scores(split.fit[u])
        return None

    return refit


def rebuild_recipe(manifest: dict, train: sp.csr_matrix, events: TimedEvents | None,
                   seed: int = 0) -> FilterFactors | None:
    """A serving model's recipe (family and parameters of its manifest) built on every
    interaction of today's export, or None where this install or this catalog cannot build it
    (the searched family without torch; Turbo-CF past `turbo.MAX_ITEMS` items)."""
    family, params = manifest.get("model"), manifest.get("params") or {}
    if family == "graph_filter" and {"rank", "alpha"} <= params.keys():
        return build_filter(train, params, seed)
    if family == TURBO and {"alpha", "order"} <= params.keys() \
            and train.shape[1] <= turbo.MAX_ITEMS:
        choice = turbo.TurboChoice(float(params["alpha"]), int(params["order"]),
                                   params.get("decay"), {})
        return turbo.build_turbo(train, choice, events)
    if family == POLYNOMIAL and search_available() and "family" in params:
        from trainer.filters.serving import refit_factors

        return refit_factors(params, train, events, None, seed)
    return None


def _served_anyway(judgement: Judgement, recipe: dict, n_items: int) -> str:
    """Why a candidate that scored lower is promoted: the serving recipe that beat it cannot
    be rebuilt on today's catalog. The reason comes first, the figures after."""
    family = recipe.get("model")
    if family == TURBO and n_items > turbo.MAX_ITEMS:
        why = f"Turbo-CF is built for at most {turbo.MAX_ITEMS:,} items"
    elif family == POLYNOMIAL and not search_available():
        why = "the searched family needs the train extra"
    else:
        why = "its manifest does not hold what rebuilding it needs"
    theirs = judgement.incumbent_score or 0.0
    return (f"{judgement.incumbent}'s recipe ({family}) scored higher but cannot be rebuilt "
            f"on today's {n_items:,} items ({why}), so the best recipe that can be built is "
            f"served: {judgement.metric} {judgement.candidate:.4f} against "
            f"{judgement.incumbent}'s {theirs:.4f} on the same {judgement.split} "
            f"({judgement.basis})")


def _recipe_of(artifacts_dir: Path | str, judgement: Judgement) -> dict:
    from recmodel.artifact_format import load_artifact

    return load_artifact(Path(artifacts_dir) / str(judgement.incumbent), mmap=True).manifest


def _same_export(manifest: dict, data: Interactions) -> bool:
    """Whether the serving artifact was built from an export like today's (same latest event,
    interactions and events): refitting its recipe would rebuild the same model."""
    built = manifest.get("data") or {}
    return (manifest.get("data_snapshot_time")
            == (data.meta.get("snapshot_time") or data.meta.get("as_of"))
            and built.get("n_interactions") == int(data.train.nnz)
            and built.get("events") == data.meta.get("events"))


def publish_graph_filter(data: Interactions, artifacts_dir: Path | str,
                         val_fraction: float = 0.05, seed: int = 2020, k: int = 20,
                         extra_manifest: dict | None = None,
                         families: tuple[str, ...] | None = None,
                         by: str = "build-model",
                         grid: tuple[tuple[int, float], ...] = GRID) -> FilterPublish:
    """Choose the filter on a validation carve-out, rebuild it on every interaction, write
    the artifact and promote it when it beats the serving model on the same split
    (`recmodel.promotion`). The candidate `families` (default: GF-CF, and the searched
    family when torch is installed) are scored on that split and the validation winner is
    written; the manifest records them all, and the promotion's judgement."""
    if data.n_users == 0 or data.n_items == 0 or data.train.nnz == 0:
        raise ValueError("no consented interactions to build a model from")
    started = time.perf_counter()
    split, events = validation_split(data, val_fraction, seed)
    fit, valid = split.fit, split.valid
    choice = choose_graph_filter(fit, valid, k, grid)
    pop = popularity_val(fit, valid, k)
    table = {"graph_filter": choice.val, "popularity": pop}
    params = {"graph_filter": choice.params}
    builders = {"graph_filter": lambda: build_filter(data.train, choice.params)}
    if families is None:
        families = (*QUICK, POLYNOMIAL) if search_available() else QUICK
    if TURBO in families and data.n_items <= turbo.MAX_ITEMS:
        until = split.cut.timestamp() / 86_400.0 if split.cut is not None else None
        tc = turbo.choose_turbo(fit, valid, events, until, k)
        table[TURBO], params[TURBO] = tc.val, tc.manifest()
        builders[TURBO] = lambda: turbo.build_turbo(data.train, tc, events)
    if POLYNOMIAL in families:
        table[POLYNOMIAL], params[POLYNOMIAL], builders[POLYNOMIAL] = _searched(
            fit, valid, data.train, k, seed, events)
    builders = {n: b for n, b in builders.items() if n in families}
    winner = max(builders, key=lambda n: table[n][f"recall@{k}"])
    judgement = judge(artifacts_dir, table[winner][f"recall@{k}"], split,
                      refit_for(split, events, seed), k)
    recipe_params = params[winner]
    factors = None
    recipe = _recipe_of(artifacts_dir, judgement) if judgement.recipe_wins else {}
    if judgement.recipe_wins and _same_export(recipe, data):
        judgement = replace(judgement, recipe_wins=False, reason=(
            f"{judgement.reason}; its artifact was built from this same export: kept"))
    if judgement.recipe_wins:
        # The serving model's recipe won on today's split: serve it refitted on today's data
        # (it covers today's items), not its stale artifact and not the weaker candidate.
        factors = rebuild_recipe(recipe, data.train, events, seed)
        if factors is None:
            judgement = replace(judgement, promote=True, recipe_wins=False,
                                reason=_served_anyway(judgement, recipe, data.n_items))
        else:
            winner = str(recipe["model"])
            recipe_params = {key: v for key, v in (recipe.get("params") or {}).items()
                             if key not in ("val_fraction", "seed", "validation")}
            table[f"{winner} (serving recipe)"] = dict(judgement.incumbent_val or {})
    if factors is None:
        factors = builders[winner]()
    val = (dict(judgement.incumbent_val or {}) if judgement.recipe_wins
           else table[winner])
    manifest = {
        "model": winner,
        "model_version": MODEL_VERSION_NOTE,
        "dataset": data.name,
        "data_snapshot_time": data.meta.get("snapshot_time") or data.meta.get("as_of"),
        "as_of": data.meta.get("as_of"),
        "exported_at": data.meta.get("exported_at"),
        "trained_at": datetime.now(UTC).isoformat(),
        "params": {**recipe_params, "val_fraction": val_fraction, "seed": seed,
                   "validation": split.kind},
        "promote_metric": f"val.{PROMOTE_METRIC}",
        "metrics": {"val": val},
        "candidates": {"val": table, "params": params, "winner": winner},
        "grid": {"val": choice.table},
        "promotion": judgement.as_manifest(),
        "baselines": {"val": {"popularity": pop}},
        "serving": ServingParams().as_dict(),
        **({"item_vectors": "identity"}
           if factors.params.get("item_vectors") == "identity" else {}),
        "data": {"n_interactions": int(data.train.nnz), "n_fit": int(fit.nnz),
                 "n_val": int(valid.nnz), **{key: v for key, v in data.meta.items()
                                             if key != "snapshot_time"}},
        **(extra_manifest or {}),
    }
    path = write_artifact(artifacts_dir, factors.user_vectors(data.train), factors.item_emb,
                          data.user_ids, data.item_ids, manifest, item_proj=factors.item_proj)
    promoted, reason = promote_judged(artifacts_dir, path.name, judgement, by)
    return FilterPublish(path.name, path, promoted, reason, val, choice,
                         time.perf_counter() - started, winner, table,
                         manifest["params"]["validation"], judgement)
