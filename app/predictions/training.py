"""One refresh of the predicted traits from an event table: train on the history before the
anchor, score every shopper at the anchor, cluster them, summarize (pure, no I/O).

The anchor is the latest event in the store, never the wall clock: a store whose events
stopped in 2010 is scored as of 2010. A store holding histories of different ages (a 2010
import beside this year's shop) has each older history moved forward to end at the anchor
first (`features.aligned`, the recommender's alignment), so every shopper is scored on the
clock of their own history. Training rows come from earlier cuts whose outcome
windows end at the anchor at the latest (purchase: every 30 days from anchor - 30 days,
the latest of them the validation cut; value: from anchor - 90 days).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from app.predictions.clusters import Clusters, fit_clusters
from app.predictions.features import aligned, features_at, training_frame
from app.predictions.models import (
    FittedModel,
    calibration_by_decile,
    enough_for_classifier,
    fit_purchase,
    fit_value,
)

PURCHASE_CUTS = 6  # training cuts for the 30-day purchase model, 30 days apart
VALUE_CUTS = 4  # for the 90-day value model
PROBABILITY_BINS = 10


@dataclass
class Refresh:
    anchor: datetime
    scores: pd.DataFrame  # user_id index: pred_purchase_30d, pred_value_90d, cluster, label
    purchase: FittedModel | None
    value: FittedModel | None
    clusters: Clusters
    summary: dict[str, Any] = field(default_factory=dict)


def _purchase(events: pd.DataFrame, anchor: datetime, seed: int
              ) -> tuple[FittedModel | None, dict[str, Any]]:
    cuts = [anchor - timedelta(days=30 * (k + 1)) for k in range(PURCHASE_CUTS)]
    frame = training_frame(events, cuts, 30)
    if frame.empty or not enough_for_classifier(frame):
        return None, {"status": "insufficient_history", "training_rows": len(frame),
                      "needs": "buyers and non-buyers in the 30 days after earlier cuts"}
    model = fit_purchase(frame, seed, horizon_days=30)
    calibration = calibration_by_decile(model.valid_y, model.valid_p)
    return model, {"status": "trained", "model": model.name, "training_rows": len(frame),
                   "validation": model.scheme,
                   "validation_auc": model.validation, "validation_calibration": calibration,
                   "positive_rate": float(frame["purchased"].mean())}


def _value(events: pd.DataFrame, anchor: datetime, seed: int
           ) -> tuple[FittedModel | None, dict[str, Any]]:
    cuts = [anchor - timedelta(days=90 + 30 * k) for k in range(VALUE_CUTS)]
    frame = training_frame(events, cuts, 90)
    if len(frame) < 2 * 50:
        return None, {"status": "insufficient_history", "training_rows": len(frame),
                      "needs": "shoppers with history 90 days before the latest event"}
    model = fit_value(frame, seed)
    return model, {"status": "trained", "model": model.name, "training_rows": len(frame),
                   "validation_rmse": model.validation,
                   "mean_value": float(frame["value"].mean())}


def refresh(events: pd.DataFrame, seed: int = 0) -> Refresh:
    """`events` as `features.normalize` returns them (the shoppers to score and nobody
    else). Runs its native code on one thread: OpenMP sizes its pool by the host's cores,
    not the container's share, and on a shared 2-core machine gradient boosting was 40
    times slower with that pool than with one thread; a background job takes one core."""
    with threadpool_limits(1):
        return _refresh(events, seed)


def _refresh(events: pd.DataFrame, seed: int) -> Refresh:
    events, histories = aligned(events)
    anchor = events["ts"].max().to_pydatetime()
    purchase, purchase_info = _purchase(events, anchor, seed)
    value, value_info = _value(events, anchor, seed)
    x = features_at(events, anchor)
    scores = pd.DataFrame(index=x.index)
    scores["pred_purchase_30d"] = purchase.predict(x) if purchase else np.nan
    scores["pred_value_90d"] = value.predict(x) if value else np.nan
    clusters = fit_clusters(x, seed)
    scores["cluster"] = clusters.labels
    labels = {c: clusters.label(c) for c in range(clusters.k)}
    scores["cluster_label"] = [labels[c] for c in clusters.labels]
    summary = {
        "anchor": anchor.isoformat(), "shoppers": len(x), "histories": histories,
        "purchase": purchase_info, "value": value_info,
        "distribution": _distribution(scores),
        "clusters": {"k": clusters.k, "criterion": "silhouette",
                     "silhouettes": {str(k): v for k, v in clusters.silhouettes.items()},
                     "features": ["recency_days", "frequency", "monetary", "tenure_days",
                                  "events_30d"],
                     "clusters": clusters.describe()},
    }
    return Refresh(anchor, scores, purchase, value, clusters, summary)


def _distribution(scores: pd.DataFrame) -> dict[str, Any]:
    out: dict[str, Any] = {}
    p = scores["pred_purchase_30d"].dropna()
    if len(p):
        counts, edges = np.histogram(p, bins=PROBABILITY_BINS, range=(0.0, 1.0))
        out["purchase_30d"] = [{"from": float(a), "to": float(b), "shoppers": int(n)}
                               for a, b, n in zip(edges[:-1], edges[1:], counts, strict=True)]
    v = scores["pred_value_90d"].dropna()
    if len(v):
        qs = [0.1, 0.25, 0.5, 0.75, 0.9, 0.99]
        out["value_90d"] = {"mean": float(v.mean()),
                            "quantiles": {str(q): float(v.quantile(q)) for q in qs}}
    return out
