"""Train, evaluate, write the artifact, promote it when it wins on the same split (CLI)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import torch

from recmodel.artifact import PROMOTE_METRIC, write_artifact
from recmodel.live_history import ServingParams
from recmodel.promotion import Split, judge, promote_judged
from trainer.baselines import itemknn_scorer, popularity_scorer
from trainer.build_model import refit_for
from trainer.candidates import FAMILIES, compare, winner_arrays
from trainer.data import Interactions, split_validation
from trainer.lightgcn.train import (
    EpochLog,
    TrainConfig,
    TrainResult,
    embedding_scorer,
    train_lightgcn,
)
from trainer.metrics import Metrics, evaluate

ARTIFACT_VERSION_NOTE = "candidates-lightgcn-pyg-graph-filter/2"


@dataclass
class PublishResult:
    version: str
    path: Path
    promoted: bool
    reason: str
    val: Metrics
    baselines: dict[str, dict]
    test: Metrics | None
    candidates: dict[str, dict] = field(default_factory=dict)
    winner: str = "lightgcn"


def evaluate_baselines(
    fit, truth, names: tuple[str, ...] = ("popularity", "itemknn"), k: int = 20
) -> dict[str, dict]:
    """Baseline metrics on the same split and the same evaluation code as the model."""
    makers = {"popularity": popularity_scorer, "itemknn": itemknn_scorer}
    return {name: evaluate(makers[name](fit), truth, fit, k=k).as_dict() for name in names}


def test_metrics(data: Interactions, result: TrainResult, k: int = 20) -> Metrics | None:
    """Held-out test metrics when the dataset has a test split (benchmarks)."""
    if data.test.nnz == 0:
        return None
    scorer = embedding_scorer(torch.from_numpy(result.user_emb), torch.from_numpy(result.item_emb))
    return evaluate(scorer, data.test, data.train, k=k)


def train_and_publish(
    data: Interactions,
    artifacts_dir: Path | str,
    config: TrainConfig | None = None,
    on_epoch: Callable[[EpochLog], None] | None = None,
    baselines: tuple[str, ...] = ("popularity",),
    extra_manifest: dict | None = None,
    families: tuple[str, ...] = FAMILIES,
) -> PublishResult:
    """Train LightGCN, score it, the graph filter and their blend on the same validation
    split, write the winner as a complete artifact and promote it only if it beats the serving
    model scored on that same split (`recmodel.promotion`)."""
    cfg = config or TrainConfig()
    if data.n_users == 0 or data.n_items == 0 or data.train.nnz == 0:
        raise ValueError("no consented interactions to train on")
    fit, valid = split_validation(data.train, cfg.val_fraction, cfg.seed)
    result = train_lightgcn(data, cfg, on_epoch=on_epoch, val=(fit, valid))
    base = evaluate_baselines(fit, valid, baselines, k=cfg.k)
    test = test_metrics(data, result, cfg.k)
    comparison = compare(fit, valid, result.user_emb, result.item_emb, cfg.k, families)
    arrays = winner_arrays(comparison, data.train, result.user_emb, result.item_emb)
    val = comparison.table[comparison.winner]
    winner_val = Metrics(val[f"recall@{cfg.k}"], val[f"ndcg@{cfg.k}"], cfg.k, val["users"])
    split = Split(fit, valid, data.user_ids, data.item_ids, "random carve")
    judgement = judge(artifacts_dir, winner_val.recall, split, refit_for(split, None, cfg.seed),
                      cfg.k)
    manifest = {
        "model": comparison.winner,
        "model_version": ARTIFACT_VERSION_NOTE,
        "dataset": data.name,
        "data_snapshot_time": data.meta.get("snapshot_time") or data.meta.get("as_of"),
        "as_of": data.meta.get("as_of"),
        "exported_at": data.meta.get("exported_at"),
        "trained_at": datetime.now(UTC).isoformat(),
        "params": {**asdict(cfg), "winner": arrays.params},
        "promote_metric": f"val.{PROMOTE_METRIC}",
        "metrics": {"val": winner_val.as_dict(), **({"test": test.as_dict()} if test else {})},
        "candidates": {"val": comparison.table, "params": comparison.params,
                       "winner": comparison.winner},
        "serving": ServingParams().as_dict(),
        "baselines": {"val": base},
        "promotion": judgement.as_manifest(),
        "training": {
            "best_epoch": result.best_epoch,
            "epochs_run": result.epochs_run,
            "wall_seconds": round(result.wall_seconds, 1),
            "cpu_seconds": round(result.cpu_seconds, 1),
            "device": str(cfg.resolved_device()),
        },
        "data": {
            "n_interactions": int(data.train.nnz),
            "n_fit": int(fit.nnz),
            "n_val": int(valid.nnz),
            **{k: v for k, v in data.meta.items() if k != "snapshot_time"},
        },
        **(extra_manifest or {}),
    }
    path = write_artifact(
        artifacts_dir, arrays.user_emb, arrays.item_emb, data.user_ids, data.item_ids, manifest,
        item_proj=arrays.item_proj,
    )
    promoted, reason = promote_judged(artifacts_dir, path.name, judgement, "train")
    return PublishResult(path.name, path, promoted, reason, winner_val, base, test,
                         comparison.table, comparison.winner)
