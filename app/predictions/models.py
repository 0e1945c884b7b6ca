"""Purchase probability and expected value models, chosen on a validation split.

Purchase: rows come from several cuts (rolling origins). The latest cut is the validation
cut; candidates are fitted on the cuts whose outcome window ends by it and compared by ROC
AUC there, on a later period than they learnt from, as they will be used (a recency-only
logistic baseline, a logistic regression, and gradient boosting with a few tree shapes).
The chosen candidate is then fitted again on every cut, the validation cut included: the
latest month is the one most like the next. With a single usable cut, the split is by
shoppers instead (a hash of the id). Value: candidates fitted on the training shoppers and
compared by RMSE on held-out shoppers, against the naive training average; the chosen one,
fitted on the training side, serves. Test figures are the caller's business
(`bench/predictions.py` keeps a later, untouched period for them).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import mean_absolute_error, mean_squared_error, roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from app.predictions.features import FEATURES, RFM_FEATURES, log_features

VALID_SHARE = 0.25
MIN_ROWS = 50  # per side, and at least 5 of each class for the classifier
VALID_CUTS = 2  # rolling origins the purchase model is chosen on


def validation_mask(user_ids: pd.Series, share: float = VALID_SHARE) -> np.ndarray:
    """True for the held-out shoppers: a stable hash of the id, not a random draw."""
    return np.array([zlib.crc32(str(u).encode()) % 1000 < share * 1000 for u in user_ids])


def _recency(x: pd.DataFrame) -> np.ndarray:
    return np.log1p(x[["recency_days"]].to_numpy(dtype=float))


def _as_frame(x: Any) -> pd.DataFrame:
    return x if isinstance(x, pd.DataFrame) else pd.DataFrame(x, columns=FEATURES)


@dataclass
class FittedModel:
    """A chosen estimator with the name and validation figures of every candidate."""

    name: str
    estimator: Any
    kind: str  # "classifier" or "regressor"
    validation: dict[str, float] = field(default_factory=dict)
    constant: float | None = None  # the naive average
    candidates: dict[str, Any] = field(default_factory=dict)  # every fitted candidate
    scheme: str = "held-out shoppers"  # how validation rows were set apart
    valid_y: np.ndarray | None = None  # validation outcomes, and the chosen candidate's
    valid_p: np.ndarray | None = None  # predictions for them (before any refit)
    folds: dict[str, list[float]] = field(default_factory=dict)  # per-fold AUC, latest first

    def predict(self, x: pd.DataFrame) -> np.ndarray:
        if self.constant is not None:
            return np.full(len(x), self.constant)
        if self.kind == "classifier":
            return self.estimator.predict_proba(x[FEATURES])[:, 1]
        return np.clip(self.estimator.predict(x[FEATURES]), 0.0, None)


# Tree shapes tried for the purchase model: small trees with large leaves generalized best
# across months on Online Retail II (docs/predictions.md).
TREE_SHAPES = {"gradient_boosting_7x100": (7, 100), "gradient_boosting_7x20": (7, 20),
               "gradient_boosting_15x40": (15, 40), "gradient_boosting_31x100": (31, 100)}


def _classifiers(seed: int) -> dict[str, Any]:
    out: dict[str, Any] = {
        "recency_only": make_pipeline(FunctionTransformer(_recency), LogisticRegression()),
        "logistic_rfm": make_pipeline(
            FunctionTransformer(lambda x: log_features(_as_frame(x))), StandardScaler(),
            LogisticRegression(max_iter=2000)),
    }
    for name, (leaves, leaf) in TREE_SHAPES.items():
        out[name] = HistGradientBoostingClassifier(
            learning_rate=0.03, max_iter=500, max_leaf_nodes=leaves, min_samples_leaf=leaf,
            l2_regularization=1.0, random_state=seed)
    return out


def _only(columns: list[str]) -> ColumnTransformer:
    return ColumnTransformer([("keep", "passthrough", columns)])


def _regressors(seed: int) -> dict[str, Any]:
    """Spend models on the RFM features, and on every feature (the rhythm ones too)."""
    common = {"learning_rate": 0.05, "max_iter": 300, "max_leaf_nodes": 15,
              "min_samples_leaf": 40, "l2_regularization": 1.0, "random_state": seed}
    out: dict[str, Any] = {}
    for loss in ("poisson", "squared_error"):
        short = "squared" if loss == "squared_error" else loss
        out[f"gradient_boosting_{short}"] = make_pipeline(
            _only(RFM_FEATURES), HistGradientBoostingRegressor(loss=loss, **common))
        out[f"gradient_boosting_{short}_all"] = HistGradientBoostingRegressor(loss=loss,
                                                                             **common)
    return out


def split_frame(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    held = validation_mask(frame["user_id"])
    return frame[~held], frame[held]


def temporal_folds(frame: pd.DataFrame, horizon_days: int, folds: int = VALID_CUTS
                   ) -> list[tuple[pd.DataFrame, pd.DataFrame]]:
    """Rolling origins: for each of the latest `folds` cuts, validation = its rows and
    training = the cuts whose outcome window ends by it (nothing its outcome period holds
    is learnt from). Only folds whose both sides can train and score a classifier."""
    cuts = pd.to_datetime(frame["cut"])
    out = []
    for cut in sorted(cuts.unique(), reverse=True)[:folds]:
        train = frame[cuts <= cut - pd.Timedelta(days=horizon_days)]
        valid = frame[cuts == cut]
        if _classifiable(train) and _classifiable(valid):
            out.append((train, valid))
    return out


def _classifiable(side: pd.DataFrame) -> bool:
    return (len(side) >= MIN_ROWS and side["purchased"].nunique() == 2
            and side["purchased"].value_counts().min() >= 5)


def purchase_folds(frame: pd.DataFrame, horizon_days: int
                   ) -> tuple[str, list[tuple[pd.DataFrame, pd.DataFrame]]] | None:
    """The validation scheme for the purchase model: the latest cuts when they can train
    and score a classifier, else held-out shoppers, else None (too little history)."""
    folds = temporal_folds(frame, horizon_days)
    if folds:
        return f"latest {len(folds)} cut{'s' if len(folds) > 1 else ''}", folds
    train, valid = split_frame(frame)
    if _classifiable(train) and _classifiable(valid):
        return "held-out shoppers", [(train, valid)]
    return None


def enough_for_classifier(frame: pd.DataFrame, horizon_days: int = 30) -> bool:
    return purchase_folds(frame, horizon_days) is not None


def fit_purchase(frame: pd.DataFrame, seed: int = 0, horizon_days: int = 30) -> FittedModel:
    """The classifier with the best mean validation AUC over the folds, fitted again on
    every row; `frame` from `training_frame` (its `cut` column places the rows in time)."""
    found = purchase_folds(frame, horizon_days)
    if found is None:
        raise ValueError("too little history for a purchase model")
    scheme, folds = found
    scores: dict[str, list[float]] = {}
    fitted: dict[str, Any] = {}
    latest: dict[str, np.ndarray] = {}  # predictions on the first (latest) fold
    for n, (train, valid) in enumerate(folds):
        for name, estimator in _classifiers(seed).items():
            estimator.fit(train[FEATURES], train["purchased"])
            p = estimator.predict_proba(valid[FEATURES])[:, 1]
            scores.setdefault(name, []).append(float(roc_auc_score(valid["purchased"], p)))
            if n == 0:
                fitted[name], latest[name] = estimator, p
    mean = {name: float(np.mean(v)) for name, v in scores.items()}
    best = max(mean, key=lambda n: mean[n])
    final = clone(fitted[best]).fit(frame[FEATURES], frame["purchased"])
    return FittedModel(best, final, "classifier", mean, candidates=fitted, scheme=scheme,
                       valid_y=folds[0][1]["purchased"].to_numpy(), valid_p=latest[best],
                       folds={name: v for name, v in scores.items()})


def fit_value(frame: pd.DataFrame, seed: int = 0) -> FittedModel:
    """The regressor with the lowest validation RMSE, the naive average among them."""
    train, valid = split_frame(frame)
    mean = float(train["value"].mean()) if len(train) else 0.0
    scores = {"naive_average": rmse(valid["value"], np.full(len(valid), mean))}
    fitted: dict[str, Any] = {}
    if len(train) >= MIN_ROWS and len(valid) >= MIN_ROWS:
        # A Poisson loss needs non-negative outcomes with some spend (refunds are negative;
        # a store whose latest events are far newer than a shopper's can have none).
        poisson_ok = bool((train["value"] >= 0).all() and train["value"].sum() > 0)
        for name, estimator in _regressors(seed).items():
            if "poisson" in name and not poisson_ok:
                continue
            estimator.fit(train[FEATURES], train["value"])
            fitted[name] = estimator
            scores[name] = rmse(valid["value"],
                                np.clip(estimator.predict(valid[FEATURES]), 0.0, None))
    best = min(scores, key=lambda n: scores[n])
    if best == "naive_average":
        return FittedModel(best, None, "regressor", scores, constant=mean, candidates=fitted)
    return FittedModel(best, fitted[best], "regressor", scores, candidates=fitted)


def rmse(y: Any, p: Any) -> float:
    return float(np.sqrt(mean_squared_error(y, p)))


def mae(y: Any, p: Any) -> float:
    return float(mean_absolute_error(y, p))


def auc(y: Any, p: Any) -> float | None:
    y = np.asarray(y)
    return float(roc_auc_score(y, p)) if len(np.unique(y)) == 2 else None


def calibration_by_decile(y: Any, p: Any, bins: int = 10) -> list[dict[str, float]]:
    """Shoppers sorted by predicted probability in `bins` equal groups: mean predicted
    against the observed rate in each."""
    order = np.argsort(np.asarray(p, dtype=float), kind="stable")
    y_sorted = np.asarray(y, dtype=float)[order]
    p_sorted = np.asarray(p, dtype=float)[order]
    out = []
    for n, idx in enumerate(np.array_split(np.arange(len(order)), bins)):
        if len(idx) == 0:
            continue
        out.append({"decile": n + 1, "shoppers": len(idx),
                    "predicted": float(p_sorted[idx].mean()),
                    "observed": float(y_sorted[idx].mean())})
    return out
