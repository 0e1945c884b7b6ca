"""Purchase probability and expected value models, chosen on a validation split.

Candidates are fitted on the training shoppers and compared on held-out shoppers (split by
a hash of the id, so one shopper's rows at several cuts fall on one side): the purchase
model by ROC AUC against a recency-only logistic baseline, the value model by RMSE against
the naive training average. The chosen model is the one fitted on the training side, so its
validation figures describe exactly what serves. Test figures are the caller's business
(`bench/predictions.py` keeps a later, untouched period for them).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import mean_absolute_error, mean_squared_error, roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from app.predictions.features import FEATURES, log_features

VALID_SHARE = 0.25
MIN_ROWS = 50  # per side, and at least 5 of each class for the classifier


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

    def predict(self, x: pd.DataFrame) -> np.ndarray:
        if self.constant is not None:
            return np.full(len(x), self.constant)
        if self.kind == "classifier":
            return self.estimator.predict_proba(x[FEATURES])[:, 1]
        return np.clip(self.estimator.predict(x[FEATURES]), 0.0, None)


def _classifiers(seed: int) -> dict[str, Any]:
    return {
        "recency_only": make_pipeline(FunctionTransformer(_recency), LogisticRegression()),
        "logistic_rfm": make_pipeline(
            FunctionTransformer(lambda x: log_features(_as_frame(x))), StandardScaler(),
            LogisticRegression(max_iter=1000)),
        "gradient_boosting": HistGradientBoostingClassifier(
            learning_rate=0.05, max_iter=300, max_leaf_nodes=15, min_samples_leaf=40,
            l2_regularization=1.0, random_state=seed),
    }


def _regressors(seed: int) -> dict[str, Any]:
    common = {"learning_rate": 0.05, "max_iter": 300, "max_leaf_nodes": 15,
              "min_samples_leaf": 40, "l2_regularization": 1.0, "random_state": seed}
    return {
        "gradient_boosting_poisson": HistGradientBoostingRegressor(loss="poisson", **common),
        "gradient_boosting_squared": HistGradientBoostingRegressor(loss="squared_error",
                                                                   **common),
    }


def split_frame(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    held = validation_mask(frame["user_id"])
    return frame[~held], frame[held]


def enough_for_classifier(frame: pd.DataFrame) -> bool:
    train, valid = split_frame(frame)
    return all(len(side) >= MIN_ROWS and side["purchased"].nunique() == 2
               and side["purchased"].value_counts().min() >= 5 for side in (train, valid))


def fit_purchase(frame: pd.DataFrame, seed: int = 0) -> FittedModel:
    """The classifier with the best validation AUC; `frame` from `training_frame`."""
    train, valid = split_frame(frame)
    scores: dict[str, float] = {}
    fitted: dict[str, Any] = {}
    for name, estimator in _classifiers(seed).items():
        estimator.fit(train[FEATURES], train["purchased"])
        fitted[name] = estimator
        scores[name] = float(roc_auc_score(valid["purchased"],
                                           estimator.predict_proba(valid[FEATURES])[:, 1]))
    best = max(scores, key=lambda n: scores[n])
    return FittedModel(best, fitted[best], "classifier", scores, candidates=fitted)


def fit_value(frame: pd.DataFrame, seed: int = 0) -> FittedModel:
    """The regressor with the lowest validation RMSE, the naive average among them."""
    train, valid = split_frame(frame)
    mean = float(train["value"].mean()) if len(train) else 0.0
    scores = {"naive_average": rmse(valid["value"], np.full(len(valid), mean))}
    fitted: dict[str, Any] = {}
    if len(train) >= MIN_ROWS and len(valid) >= MIN_ROWS:
        for name, estimator in _regressors(seed).items():
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
