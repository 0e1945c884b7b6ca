"""Features, models and clusters on synthetic histories (pure, no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from app.predictions.clusters import _centre_text, fit_clusters
from app.predictions.features import (
    FEATURES,
    NEVER_DAYS,
    features_at,
    normalize,
    outcomes_after,
    training_frame,
)
from app.predictions.models import (
    calibration_by_decile,
    fit_purchase,
    fit_value,
    temporal_folds,
    validation_mask,
)
from app.predictions.training import refresh
from tests.predictions.history import END, as_frame, shop

CUT = datetime(2010, 6, 1, tzinfo=UTC)


def _events(rows: list[tuple[str, int, str, float]]) -> pd.DataFrame:
    return normalize(pd.DataFrame(
        [{"user_id": u, "ts": CUT + timedelta(days=d), "type": t, "revenue": r}
         for u, d, t, r in rows]))


def test_features_see_nothing_after_the_cut_and_outcomes_nothing_before() -> None:
    events = _events([
        ("a", -40, "order_completed", 10.0), ("a", -10, "order_completed", 30.0),
        ("a", -5, "product_viewed", 0.0), ("a", 3, "order_completed", 99.0),
        ("b", -100, "product_added", 0.0), ("b", 45, "order_completed", 50.0),
        ("c", 1, "order_completed", 5.0),  # first seen after the cut: not a row
    ])
    x = features_at(events, CUT)
    assert list(x.index) == ["a", "b"]
    a, b = x.loc["a"], x.loc["b"]
    assert (a.recency_days, a.frequency, a.monetary, a.avg_order_value) == (10, 2, 40, 20)
    assert (a.orders_30d, a.orders_90d, a.revenue_90d, a.events_30d, a.views_30d) == \
        (1, 2, 40, 2, 1)
    assert (a.tenure_days, a.last_seen_days, a.days_between_orders) == (40, 5, 20)
    assert (b.recency_days, b.frequency, b.carts_30d) == (NEVER_DAYS, 0, 0)
    assert b.tenure_days == 100
    y30 = outcomes_after(events, CUT, 30, x.index)
    y90 = outcomes_after(events, CUT, 90, x.index)
    assert y30.to_dict("index") == {"a": {"purchased": 1, "value": 99.0},
                                   "b": {"purchased": 0, "value": 0.0}}
    assert y90.loc["b"].to_dict() == {"purchased": 1, "value": 50.0}


def test_refresh_learns_who_buys_and_is_anchored_on_the_data() -> None:
    events = normalize(as_frame(shop(n_users=400, denied=0)))
    result = refresh(events, seed=0)
    assert result.anchor == END  # the latest event, not today
    purchase = result.summary["purchase"]
    assert purchase["status"] == "trained"
    assert purchase["validation_auc"][purchase["model"]] == max(
        purchase["validation_auc"].values())
    assert purchase["validation_auc"][purchase["model"]] > 0.8
    scores = result.scores
    p = scores["pred_purchase_30d"]
    assert p.between(0, 1).all()
    by_kind = p.groupby(p.index.str.split("-").str[0]).mean()
    assert by_kind["regular"] > 0.6 > 0.2 > by_kind["lapsed"]
    assert by_kind["browser"] < 0.2
    v = scores["pred_value_90d"]
    assert (v >= 0).all()
    mean_value = v.groupby(v.index.str.split("-").str[0]).mean()
    assert mean_value["big"] > 2 * mean_value["regular"] > 0
    assert result.summary["value"]["validation_rmse"][result.summary["value"]["model"]] < \
        result.summary["value"]["validation_rmse"]["naive_average"]
    assert sum(b["shoppers"] for b in result.summary["distribution"]["purchase_30d"]) == \
        len(scores)


def test_too_little_history_trains_nothing_but_clusters() -> None:
    events = _events([(f"u{n}", -n % 20, "order_completed", 10.0 + n) for n in range(30)])
    result = refresh(events)
    assert result.summary["purchase"]["status"] == "insufficient_history"
    assert result.scores["pred_purchase_30d"].isna().all()
    assert result.scores["cluster"].notna().all()


def test_clusters_pick_k_by_silhouette_and_are_numbered_by_spend() -> None:
    rng = np.random.default_rng(0)
    groups = {  # recency, frequency, monetary, tenure, events_30d
        "whales": (5, 30, 5000, 300, 20), "regulars": (20, 8, 400, 200, 5),
        "gone": (200, 1, 30, 250, 0)}
    rows, names = [], []
    for name, centre in groups.items():
        for _ in range(60):
            rows.append([c * rng.uniform(0.85, 1.15) for c in centre])
            names.append(name)
    x = pd.DataFrame(rows, columns=["recency_days", "frequency", "monetary", "tenure_days",
                                    "events_30d"])
    clusters = fit_clusters(x, seed=0)
    assert clusters.k == 3 and clusters.silhouettes[3] == max(clusters.silhouettes.values())
    found = pd.Series(clusters.labels).groupby(pd.Series(names)).agg(lambda s: s.mode()[0])
    assert (found["whales"], found["regulars"], found["gone"]) == (0, 1, 2)
    described = clusters.describe()
    assert [d["size"] for d in described] == [60, 60, 60]
    assert "recent" in described[0]["label"] and "high spend" in described[0]["label"]
    assert "lapsed" in described[2]["label"]
    assert described[2]["centre_text"].startswith("last order 195 days ago, 1 order, 30 spent")


def test_validation_split_is_stable_and_calibration_is_by_decile() -> None:
    ids = pd.Series([f"u{n}" for n in range(1000)])
    mask = validation_mask(ids)
    assert (mask == validation_mask(ids)).all() and 0.2 < mask.mean() < 0.3
    p = np.linspace(0, 1, 100)
    deciles = calibration_by_decile((p > 0.5).astype(int), p)
    assert [d["shoppers"] for d in deciles] == [10] * 10
    assert deciles[0]["observed"] == 0 and deciles[-1]["observed"] == 1
    assert deciles[0]["predicted"] < deciles[-1]["predicted"]


def test_rhythm_features_count_order_days_and_gaps() -> None:
    events = _events([
        ("a", -50, "order_completed", 10.0), ("a", -30, "order_completed", 20.0),
        ("a", -30, "order_completed", 5.0),  # same day: one order day
        ("a", -10, "order_completed", 30.0), ("a", 2, "order_completed", 99.0),
        ("b", -20, "order_completed", 7.0),
    ])
    x = features_at(events, CUT)
    a, b = x.loc["a"], x.loc["b"]
    assert (a.frequency, a.order_days, a.order_days_14d, a.order_days_30d) == (4, 3, 1, 1)
    assert (a.gap_mean_days, a.gap_std_days, a.gap_last_days) == (20, 0, 20)
    assert (a.recency_over_gap, a.due_in_days) == (0.5, 10)
    assert (a.first_order_days, a.order_span_days, a.revenue_30d) == (50, 40, 30)
    assert a.trend_90d == 3 and a.active_months == 2  # April and May 2010
    assert (b.order_days, b.gap_mean_days, b.gap_std_days) == (1, NEVER_DAYS, 0)


def test_purchase_model_is_chosen_on_later_cuts_than_it_learns_from() -> None:
    events = normalize(as_frame(shop(n_users=400, denied=0)))
    cuts = [END - timedelta(days=30 * (k + 1)) for k in range(6)]
    frame = training_frame(events, cuts, 30)
    folds = temporal_folds(frame, 30)
    assert len(folds) == 2
    for train, valid in folds:
        (valid_cut,) = valid["cut"].unique()
        # no training outcome window reaches into the validation period
        assert (train["cut"] + pd.Timedelta(days=30) <= valid_cut).all()
    assert folds[0][1]["cut"].iloc[0] == pd.Timestamp(cuts[0])
    with threadpool_limits(1):  # as the job runs it (app/predictions/training.py)
        model = fit_purchase(frame, seed=0)
    assert model.scheme == "latest 2 cuts"
    assert all(len(v) == 2 for v in model.folds.values())
    assert model.validation[model.name] == max(model.validation.values())
    assert len(model.valid_y) == len(model.valid_p) == len(folds[0][1])


def test_value_model_fits_when_no_one_spent_or_some_refunded() -> None:
    # A store whose latest events are years newer than an imported history: every value
    # outcome is 0, which a Poisson loss refuses; refunds make outcomes negative.
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.random((400, len(FEATURES))), columns=FEATURES)
    frame["user_id"] = [f"u{n}" for n in range(400)]
    frame["value"] = 0.0
    model = fit_value(frame)
    assert model.name == "naive_average" or "poisson" not in model.name
    assert not any("poisson" in name for name in model.candidates)
    frame["value"] = rng.normal(50, 30, 400)  # some negative
    model = fit_value(frame)
    assert model.candidates and not any("poisson" in name for name in model.candidates)


def test_cluster_words_compare_buyers_with_buyers() -> None:
    # Most shoppers only browse: a one-order group is above the population's mean order
    # count, but neither "frequent" nor "high spend" among those who ordered.
    rng = np.random.default_rng(1)
    groups = {  # recency, frequency, monetary, tenure, events_30d; shoppers
        "browsers": ((NEVER_DAYS, 0, 0, 100, 3), 300), "once": ((30, 1, 150, 60, 2), 80),
        "loyal": ((10, 12, 2500, 300, 15), 60)}
    rows = [[c * rng.uniform(0.9, 1.1) for c in centre]
            for centre, n in groups.values() for _ in range(n)]
    x = pd.DataFrame(rows, columns=["recency_days", "frequency", "monetary", "tenure_days",
                                    "events_30d"])
    described = {round(d["centre"]["frequency"]): d["label"]
                 for d in fit_clusters(x, seed=0).describe()}
    assert "frequent" not in described[1] and "high spend" not in described[1]
    assert "low spend" in described[1]
    assert "frequent" in described[12] and "high spend" in described[12]
    assert described[0].startswith("browsers who never ordered")


def test_cluster_text_says_no_order_yet_only_when_no_member_ordered() -> None:
    # Buyers whose last order lies further back than NEVER_DAYS (a 2010 customer counted from
    # a 2026 clock) are buyers: their cluster's text gives their orders, not "no order yet".
    rng = np.random.default_rng(2)
    groups = {  # recency, frequency, monetary, tenure, events_30d; shoppers
        "old": ((5841, 2, 1323, 6000, 0), 80), "browsers": ((NEVER_DAYS, 0, 0, 100, 3), 150),
        "loyal": ((10, 12, 2500, 300, 15), 60)}
    rows = [[c * rng.uniform(0.98, 1.02) if c else 0 for c in centre]
            for centre, n in groups.values() for _ in range(n)]
    x = pd.DataFrame(rows, columns=["recency_days", "frequency", "monetary", "tenure_days",
                                    "events_30d"])
    described = {round(d["centre"]["frequency"]): d for d in fit_clusters(x).describe()}
    assert described[2]["ordered_share"] == 1.0
    assert described[2]["centre_text"].startswith("last order 5")  # ~5841 days ago
    assert ", 2 orders, 1," in described[2]["centre_text"]
    assert "never ordered" not in described[2]["label"]
    assert described[0]["ordered_share"] == 0.0
    assert described[0]["centre_text"].startswith("no order yet")


def test_centre_text_of_a_cluster_where_a_minority_ordered() -> None:
    # The median member never ordered, but 40 % did: their figures, with their share.
    med = pd.Series({"recency_days": NEVER_DAYS, "frequency": 0, "monetary": 0.0,
                     "tenure_days": 90, "events_30d": 4})
    buyers = pd.Series({"recency_days": 40.0, "frequency": 1, "monetary": 75.0,
                        "tenure_days": 120, "events_30d": 6})
    assert _centre_text(med, buyers, 0.4) == (
        "40% ordered (their buyers' medians: last order 40 days ago, 1 order, 75 spent), "
        "4 events in the last 30 days")
    # a handful of buyers in a big cluster: never "0% ordered" beside their order figures
    tiny = _centre_text(med, buyers, 3 / 1000)
    assert tiny.startswith("<1% ordered (their buyers' medians: last order 40 days ago")
    assert _centre_text(med, buyers, 0.997).startswith(">99% ordered (their buyers'")
    for share, words in ((0.005, "<1%"), (0.0051, "1%"), (0.9951, ">99%"), (0.994, "99%")):
        assert _centre_text(med, buyers, share).startswith(f"{words} ordered ("), share
    assert _centre_text(med, buyers * float("nan"), 0.0) == (
        "no order yet, 4 events in the last 30 days")
