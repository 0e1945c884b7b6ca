"""Honest promotion: a candidate and the serving model are scored on the same validation split
of the same export before one replaces the other (numpy/scipy only).

A figure recorded in an old manifest was measured on the graph of its day, often a smaller
or different one: it says nothing about today's store. So the build that made the candidate
also scores the promoted model on its own split:

- the promoted artifact as it serves: each validation shopper's history of the fit part
  through its item projection (the live path, u = h P), ranked against its item vectors,
  already-seen items masked; items it does not hold are never offered; a shopper none of
  whose items it holds gets the fit part's popularity, as serving falls back;
- unless it has seen the validation period (a random carve is the same period; a time
  carve it was built after): then its figure would be inflated by the answers it trained
  on, and its recipe (family and parameters from its manifest) refitted on the fit part
  stands for it, when the builder can refit it (`Refit`); otherwise the artifact's figure
  is used and the reason says it favours the serving model.

The candidate replaces the serving model when its figure is at least as high (a tie goes to
the newer build, which saw the newer graph). When the serving artifact wins as it serves and
its recipe can be refitted, the recipe refitted on the fit part is what is compared: the
contest is between recipes on today's data, since a stale artifact holds none of the items
and shoppers that came since it was built.

When the serving model's recipe wins (`recipe_wins`), the stale artifact is not what goes on
serving: the builder refits that recipe on all of today's data, writes it as a new version
and promotes it (`promote_judged`), so the served model always covers today's items. Only a
serving model whose recipe cannot be refitted here (LightGCN, or the searched family without
the train extra) is kept as it is when it wins. The decision and both figures go into the
manifest of what was written (`promotion`) and, when it is promoted, into the promotion log.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from recmodel.artifact import append_promotion, set_current
from recmodel.artifact_format import (
    ArtifactError,
    EmbeddingArtifact,
    current_version,
    load_artifact,
)
from recmodel.numpy_eval import DenseScorer, evaluate_dense

# Builds a scorer of the fit part from a model's manifest (its recipe), or None.
Refit = Callable[[dict], DenseScorer | None]
DAY_S = 86_400.0


@dataclass(frozen=True)
class Split:
    """The validation split of one export, on its id spaces (rows users, columns items)."""

    fit: sp.csr_matrix
    valid: sp.csr_matrix
    user_ids: list[str]
    item_ids: list[str]
    kind: str  # "time carve" or "random carve"
    cut: datetime | None = None  # time carve: validation pairs were first seen from here on

    @classmethod
    def time_carve(cls, fit: sp.csr_matrix, valid: sp.csr_matrix, user_ids: list[str],
                   item_ids: list[str], start_day: float) -> Split:
        return cls(fit, valid, user_ids, item_ids, "time carve",
                   datetime.fromtimestamp(start_day * DAY_S, UTC))


@dataclass(frozen=True)
class Judgement:
    promote: bool
    reason: str
    metric: str
    candidate: float
    split: str
    incumbent: str | None = None  # the promoted version when the candidate was judged
    incumbent_score: float | None = None  # what the candidate was compared with
    basis: str | None = None  # how that figure was measured
    artifact_score: float | None = None  # the promoted artifact as it serves, same split
    # The serving model's recipe, refitted on the fit part, beat the candidate: the builder
    # refits it on today's data and promotes that, never the stale artifact.
    recipe_wins: bool = False
    incumbent_val: dict | None = None  # the figures `incumbent_score` comes from

    def as_manifest(self) -> dict:
        return asdict(self)


def popularity_scorer(fit: sp.csr_matrix) -> DenseScorer:
    counts = np.asarray(fit.sum(axis=0)).ravel().astype(np.float32)
    return lambda users: np.broadcast_to(counts, (len(users), len(counts)))


def artifact_scorer(model: EmbeddingArtifact, split: Split) -> DenseScorer:
    """How `model` would serve the split's validation shoppers (module docstring)."""
    rows = np.fromiter((model.item_row.get(i, -1) for i in split.item_ids), dtype=np.int64,
                       count=len(split.item_ids))
    known = rows >= 0
    dim = model.item_emb.shape[1]
    proj = np.zeros((len(rows), dim), dtype=np.float32)
    emb = np.zeros((len(rows), dim), dtype=np.float32)
    proj[known] = model.item_proj[rows[known]]
    emb[known] = model.item_emb[rows[known]]
    popular = popularity_scorer(split.fit)

    def scores(users: np.ndarray) -> np.ndarray:
        vectors = np.asarray(split.fit[users] @ proj, dtype=np.float32)
        out = vectors @ emb.T
        out[:, ~known] = -np.inf
        cold = ~np.any(vectors, axis=1)
        if cold.any():
            out[cold] = popular(users[cold])
        return out

    return scores


def saw_validation(manifest: dict, split: Split) -> bool:
    """Whether the model's own export reached into the split's validation period."""
    if split.kind != "time carve" or split.cut is None:
        return True
    raw = manifest.get("data_snapshot_time") or manifest.get("as_of")
    try:
        seen_until = datetime.fromisoformat(raw) if raw else None
    except (TypeError, ValueError):
        seen_until = None
    if seen_until is None:
        return True
    if seen_until.tzinfo is None:
        seen_until = seen_until.replace(tzinfo=UTC)
    return seen_until >= split.cut


def _figures(scorer: DenseScorer, split: Split, k: int) -> dict:
    return {key: float(v) for key, v in evaluate_dense(scorer, split.valid, split.fit, k).items()}


def judge(artifacts_dir: Path | str, candidate: float, split: Split, refit: Refit | None = None,
          k: int = 20) -> Judgement:
    """The candidate's validation figure against the promoted model's on the same split."""
    metric = f"recall@{k}"
    root = Path(artifacts_dir)
    version = current_version(root)
    base = {"metric": metric, "candidate": candidate, "split": split.kind}
    if version is None:
        return Judgement(True, "nothing was promoted yet", **base)
    try:
        model = load_artifact(root / version, mmap=True)
    except (ArtifactError, OSError, ValueError) as exc:
        return Judgement(True, f"the promoted model {version} cannot be read ({exc})",
                         incumbent=version, **base)
    served_val = _figures(artifact_scorer(model, split), split, k)
    as_served = served_val[metric]
    score, basis, val = as_served, "its artifact, as it serves", served_val
    saw = saw_validation(model.manifest, split)
    # Refit when the artifact's figure cannot stand (it saw the answers), or when it would
    # win: what would go on serving then is its recipe on today's data, not the artifact.
    scorer = refit(model.manifest) if refit is not None and (saw or as_served > candidate) \
        else None
    if scorer is not None:
        val = _figures(scorer, split, k)
        score = val[metric]
        basis = ("its recipe refitted on the fit part (its artifact saw the validation period)"
                 if saw else "its recipe refitted on the fit part (its artifact, "
                 f"{as_served:.4f} as it serves, lacks what came since it was built)")
    elif saw:
        basis = ("its artifact, which saw the validation period and cannot be refitted "
                 "here (this favours it)")
    promote = candidate >= score
    verdict = "beats or equals" if promote else "does not beat"
    reason = (f"{metric} {candidate:.4f} {verdict} {version}'s {score:.4f} on the same "
              f"{split.kind} ({basis})")
    return Judgement(promote, reason, incumbent=version, incumbent_score=score, basis=basis,
                     artifact_score=as_served, recipe_wins=not promote and scorer is not None,
                     incumbent_val=val, **base)


def promote_judged(artifacts_dir: Path | str, version: str, judgement: Judgement,
                   by: str) -> tuple[bool, str]:
    """Make `version` current when the judgement says so (the candidate won, or `version` is
    the serving model's winning recipe refitted on today's data) and the model it was judged
    against is still the promoted one; record the change in the promotion log."""
    root = Path(artifacts_dir)
    if not (judgement.promote or judgement.recipe_wins):
        return False, judgement.reason
    why = judgement.reason if judgement.promote else (
        f"{judgement.incumbent}'s recipe won ({judgement.reason}); refitted on today's data")
    previous = current_version(root)
    if previous != judgement.incumbent:
        return False, (f"not promoted: {previous} was promoted while {version} was judged "
                       f"against {judgement.incumbent}")
    set_current(root, version)
    append_promotion(root, {"at": datetime.now(UTC).isoformat(), "action": "build",
                            "version": version, "previous": previous, "by": by,
                            "reason": why})
    return True, f"promoted {version}: {why}"
