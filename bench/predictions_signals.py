"""Item- and store-level signals for the 30-day purchase model, measured on validation.

    .venv/bin/python bench/predictions_signals.py            # ~3-6 min on the shared machine

An experiment, not the served model: the features below are candidates the graph could
feed (items, quantities and prices are on the ON edges of each order; Online Retail II has
no categories), added group by group to the served features (app/predictions/features.py)
and scored with the protocol of bench/predictions.py: rows at the six cuts 30 days apart
before the test cut, candidates (recency-only, a logistic regression on signed-log
standardized features, the four tree shapes of app/predictions/models.py) compared by the
mean ROC AUC over the two latest cuts (each trained on the cuts whose outcome window ends
by it), the best refitted on all six cuts. Test AUC (anchor - 90 days, the next 30 days)
is printed once per group for the report, never used to choose.

--ceiling adds a diagnostic, after the table (it chooses nothing): the AUC a logistic
regression reaches when fitted on the very month it is scored on (5-fold cross-validation
by shopper within one cut), on the served features and on every group, at the two
validation cuts and the test cut: an upper bound on what these signals say about that
month, whatever the model learns from earlier months.

Groups: what the shopper buys (basket shape, repeat-item ratio, wholesale quantities, unit
price), whether their items sell now (bought by others in the last 30 days, rising against
the 60 before; rising over 14 days), whether the other buyers of their items ordered
lately (item neighbours), the store's own trend (its orders in the last 30 days against the
30 before, with its interaction with recency, and the share of dormant shoppers who came
back), replenishment cycles per item (the store's median gap between a buyer's purchases
of an item against the shopper's time since buying it), and BG/NBD (Fader, Hardie and Lee
2005: P(alive) and expected purchases in 30 days, the model fitted per cut by maximum
likelihood with scipy).
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import gammaln, hyp2f1
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.predictions.features import DAY, FEATURES, features_at, outcomes_after
from app.predictions.models import _classifiers
from app.predictions.training import PURCHASE_CUTS
from bench.predictions import DEFAULT_PATH, invoices

GROUPS = {
    "basket": ["lines", "distinct_items", "repeat_item_ratio", "lines_per_order",
               "qty_per_line", "log_qty_mean", "unit_price", "bulk_share"],
    "items_selling_now": ["items_selling_share", "items_rising_share", "items_lift_mean",
                          "items_recent_buyers"],
    "items_rising_14d": ["lines_lift14_mean", "lines_rising14_share"],
    "item_neighbours": ["neighbours_active", "neighbours_active_w", "neighbours_active_14d"],
    "store_trend": ["store_trend", "store_trend_x_recency", "store_reactivation"],
    "item_cycles": ["items_due_share", "items_due_count", "items_overdue_min",
                    "items_overdue_med"],
    "bgnbd": ["p_alive", "expected_30d"],
}


def order_lines(path: Path) -> pd.DataFrame:
    """Order lines with a customer (cancellations and stock adjustments left out, as the
    importer does): user_id, order, ts, item_id, quantity, price."""
    files = sorted(path.glob("*.parquet")) if path.is_dir() else [path]
    df = pd.concat(pd.read_parquet(f, columns=["Invoice", "StockCode", "Quantity",
                                               "InvoiceDate", "Price", "Customer ID"])
                   for f in files).dropna(subset=["Customer ID"])
    df = df[~df["Invoice"].astype(str).str.startswith("C") & (df["Quantity"] > 0)
            & (df["Price"] >= 0)]
    return pd.DataFrame({
        "user_id": df["Customer ID"].astype(int).astype(str),
        "order": df["Invoice"].astype(str),
        "ts": pd.to_datetime(df["InvoiceDate"]).dt.tz_localize("UTC"),
        "item_id": df["StockCode"].astype(str),
        "quantity": df["Quantity"].astype(float), "price": df["Price"].astype(float),
    }).sort_values("ts", kind="stable").reset_index(drop=True)


def _buyers_lift(seen: pd.DataFrame, cut: pd.Timestamp, recent: int, before: int) -> pd.Series:
    """Per item: log((buyers in the last `recent` days + 1) / (buyers per `recent` days in
    the `before` days ahead of them + 1))."""
    r = seen[seen["ts"] > cut - recent * DAY].groupby("item_id")["user_id"].nunique()
    p = seen[(seen["ts"] > cut - (recent + before) * DAY) & (seen["ts"] <= cut - recent * DAY)
             ].groupby("item_id")["user_id"].nunique() * (recent / before)
    idx = r.index.union(p.index)
    return np.log((r.reindex(idx).fillna(0) + 1) / (p.reindex(idx).fillna(0) + 1))


def item_features(lines: pd.DataFrame, events: pd.DataFrame, cut, base: pd.DataFrame
                  ) -> pd.DataFrame:
    cut = pd.Timestamp(cut)
    ids = base.index
    seen = lines[lines["ts"] <= cut]
    g = seen.groupby("user_id")
    out = pd.DataFrame(index=ids)
    out["lines"] = g.size()
    out["distinct_items"] = g["item_id"].nunique()
    out["repeat_item_ratio"] = 1 - out["distinct_items"] / out["lines"]
    out["lines_per_order"] = out["lines"] / g["order"].nunique()
    out["qty_per_line"] = g["quantity"].median()
    out["log_qty_mean"] = np.log1p(seen["quantity"]).groupby(seen["user_id"]).mean()
    out["unit_price"] = g["price"].median()
    out["bulk_share"] = (seen["quantity"] >= 12).groupby(seen["user_id"]).mean()

    # items selling now: buyers other than the shopper in the last 30 days vs the 60 before
    r30 = seen[seen["ts"] > cut - 30 * DAY]
    p60 = seen[(seen["ts"] > cut - 90 * DAY) & (seen["ts"] <= cut - 30 * DAY)]
    ui = seen.drop_duplicates(["user_id", "item_id"])[["user_id", "item_id"]]
    own_r = r30.drop_duplicates(["user_id", "item_id"])[["user_id", "item_id"]].assign(own_r=1.0)
    own_p = p60.drop_duplicates(["user_id", "item_id"])[["user_id", "item_id"]].assign(own_p=0.5)
    ui = (ui.merge(own_r, how="left", on=["user_id", "item_id"])
          .merge(own_p, how="left", on=["user_id", "item_id"]).fillna({"own_r": 0, "own_p": 0}))
    ui["recent"] = ui["item_id"].map(r30.groupby("item_id")["user_id"].nunique()).fillna(0) \
        - ui["own_r"]
    ui["prev"] = ui["item_id"].map(p60.groupby("item_id")["user_id"].nunique() / 2).fillna(0) \
        - ui["own_p"]
    ui["lift"] = np.log((ui["recent"] + 1) / (ui["prev"] + 1))
    ui["selling"] = (ui["recent"] > 0).astype(float)
    ui["rising"] = (ui["recent"] > ui["prev"] * 1.5 + 1).astype(float)
    gu = ui.groupby("user_id")
    out["items_selling_share"] = gu["selling"].mean()
    out["items_rising_share"] = gu["rising"].mean()
    out["items_lift_mean"] = gu["lift"].mean()
    out["items_recent_buyers"] = np.log1p(ui["recent"]).groupby(ui["user_id"]).mean()
    lift14 = seen["item_id"].map(_buyers_lift(seen, cut, 14, 60)).fillna(0)
    out["lines_lift14_mean"] = lift14.groupby(seen["user_id"]).mean()
    out["lines_rising14_share"] = (lift14 > 0.4).groupby(seen["user_id"]).mean()

    # item neighbours: share of the item's other buyers who ordered lately
    buyers = ui.groupby("item_id").size()
    others = ui["item_id"].map(buyers) - 1
    for days, name in ((30, "neighbours_active"), (14, "neighbours_active_14d")):
        active = ui["user_id"].isin(set(seen[seen["ts"] > cut - days * DAY]["user_id"]))
        share = (ui["item_id"].map(active.groupby(ui["item_id"]).sum()) - active) \
            / others.where(others > 0)
        out[name] = share.groupby(ui["user_id"]).mean()
        if days == 30:
            out["neighbours_active_w"] = (share.fillna(0) * others).groupby(ui["user_id"]).sum() \
                / others.groupby(ui["user_id"]).sum().replace(0, np.nan)

    # the store's trend, and how many dormant shoppers came back
    store_r = r30["order"].nunique()
    before = seen[(seen["ts"] > cut - 60 * DAY) & (seen["ts"] <= cut - 30 * DAY)]
    store_p = before["order"].nunique()
    out["store_trend"] = np.log((store_r + 1) / (store_p + 1))
    out["store_trend_x_recency"] = out["store_trend"] * np.log1p(base["recency_days"])
    orders = events[(events["type"] == "order_completed") & (events["ts"] <= cut)]
    prior = orders[orders["ts"] <= cut - 30 * DAY].groupby("user_id")["ts"].max()
    dormant = prior[prior <= cut - 90 * DAY].index
    came = set(orders[orders["ts"] > cut - 30 * DAY]["user_id"])
    out["store_reactivation"] = float(np.mean([u in came for u in dormant])) if len(dormant) \
        else 0.0

    # replenishment: the store's median gap between a buyer's purchase days of an item
    d = (seen.assign(day=seen["ts"].dt.floor("D")).drop_duplicates(["user_id", "item_id", "day"])
         .sort_values(["user_id", "item_id", "day"]))
    d["gap"] = d.groupby(["user_id", "item_id"])["day"].diff() / DAY
    last = d.groupby(["user_id", "item_id"])["day"].max().reset_index()
    last["since"] = (cut - last["day"]) / DAY
    last["cycle"] = last["item_id"].map(d.groupby("item_id")["gap"].median())
    last["due"] = last["since"].between(0.6 * last["cycle"], 1.6 * last["cycle"]).astype(float
                                                                                      ).where(last["cycle"].notna())
    last["overdue"] = np.log1p(last["since"]) - np.log1p(last["cycle"])
    gl = last.groupby("user_id")
    out["items_due_share"] = gl["due"].mean()
    out["items_due_count"] = gl["due"].sum()
    out["items_overdue_min"] = gl["overdue"].min()
    out["items_overdue_med"] = gl["overdue"].median()
    return out.join(bgnbd(base)).reindex(ids)


def _bgnbd_nll(log_params: np.ndarray, x, tx, t) -> float:
    r, alpha, a, b = np.exp(log_params)
    pos = x > 0
    a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    a2 = gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x)
    a3 = -(r + x) * np.log(alpha + t)
    a4 = np.where(pos, np.log(a) - np.log(np.where(pos, b + x - 1, 1.0))
                  - (r + x) * np.log(alpha + tx), -np.inf)
    return -float(np.sum(a1 + a2 + np.logaddexp(a3, a4)))


def bgnbd(base: pd.DataFrame) -> pd.DataFrame:
    """BG/NBD on order days (repeat days x, first-to-last t_x, first-to-cut T, in weeks)."""
    x = (base["order_days"] - 1).clip(lower=0).to_numpy(float)
    tx = base["order_span_days"].to_numpy(float) / 7
    t = base["first_order_days"].to_numpy(float) / 7
    fit = minimize(_bgnbd_nll, np.zeros(4), args=(x, tx, t), method="L-BFGS-B",
                   bounds=[(-8, 8)] * 4)
    r, alpha, a, b = np.exp(fit.x)
    odds = np.where(x > 0, a / np.maximum(b + x - 1, 1e-9) * ((alpha + t) / (alpha + tx))
                    ** (r + x), 0.0)
    alive = 1 / (1 + odds)
    h = 30 / 7
    expected = (a + b + x - 1) / (a - 1) * (1 - ((alpha + t) / (alpha + t + h)) ** (r + x)
                                            * hyp2f1(r + x, b + x, a + b + x - 1,
                                                     h / (alpha + t + h))) * alive
    return pd.DataFrame({"p_alive": alive, "expected_30d": expected}, index=base.index)


def _slog(x: np.ndarray) -> np.ndarray:
    return np.sign(x) * np.log1p(np.abs(x))


def candidates(seed: int) -> dict:
    out = _classifiers(seed)
    out["logistic_rfm"] = make_pipeline(FunctionTransformer(_slog), StandardScaler(),
                                        LogisticRegression(max_iter=3000))
    return out


def choose(frames: dict, cuts: list, columns: list[str], seed: int) -> tuple[str, dict, object]:
    """Mean validation AUC over the two latest training cuts; the best refitted on all."""
    scores: dict[str, list[float]] = {}
    for valid_cut in cuts[:2]:
        train = pd.concat(frames[c] for c in cuts if c <= valid_cut - timedelta(days=30))
        valid = frames[valid_cut]
        for name, model in candidates(seed).items():
            cols = ["recency_days"] if name == "recency_only" else columns
            data = train if name == "recency_only" else train[cols]
            model.fit(data, train["purchased"])
            p = model.predict_proba(valid if name == "recency_only" else valid[cols])[:, 1]
            scores.setdefault(name, []).append(roc_auc_score(valid["purchased"], p))
    mean = {k: float(np.mean(v)) for k, v in scores.items()}
    best = max(mean, key=lambda k: mean[k])
    everything = pd.concat(frames[c] for c in cuts)
    final = clone(candidates(seed)[best])
    final.fit(everything if best == "recency_only" else everything[columns],
              everything["purchased"])
    return best, mean, final


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--path", type=Path, default=DEFAULT_PATH)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--ceiling", action="store_true",
                        help="also the in-month cross-validated AUC (a diagnostic)")
    args = parser.parse_args()
    started = time.perf_counter()
    events = invoices(args.path)
    lines = order_lines(args.path)
    test_cut = events["ts"].max().to_pydatetime() - timedelta(days=90)
    cuts = [test_cut - timedelta(days=30 * (k + 1)) for k in range(PURCHASE_CUTS)]
    frames = {}
    for cut in [test_cut, *cuts]:
        x = features_at(events, cut)
        x = x[x["frequency"] >= 1]
        frames[cut] = (x.join(item_features(lines, events, cut, x)).fillna(0.0)
                       .join(outcomes_after(events, cut, 30, x.index)["purchased"]))
    print(f"features at {len(frames)} cuts: {time.perf_counter() - started:.0f} s; test cut "
          f"{test_cut:%Y-%m-%d}, validation cuts {cuts[0]:%m-%d}, {cuts[1]:%m-%d}")
    sets = {"served features (base)": FEATURES}
    sets.update({f"base + {g}": FEATURES + cols for g, cols in GROUPS.items()})
    sets["base + every group"] = FEATURES + [c for cols in GROUPS.values() for c in cols]
    test = frames[test_cut]
    print(f"\n{'feature set':<32} {'validation AUC':>14}  {'chosen':<24} {'test AUC':>8}")
    for label, columns in sets.items():
        best, mean, final = choose(frames, cuts, columns, args.seed)
        p = final.predict_proba(test if best == "recency_only" else test[columns])[:, 1]
        print(f"{label:<32} {mean[best]:>14.4f}  {best:<24} "
              f"{roc_auc_score(test['purchased'], p):>8.4f}", flush=True)
        if label.startswith("served"):
            everything = pd.concat(frames[c] for c in cuts)
            base = candidates(args.seed)["recency_only"].fit(everything,
                                                               everything["purchased"])
            print(f"{'  recency-only baseline':<32} {mean['recency_only']:>14.4f}  {'':<24} "
                  f"{roc_auc_score(test['purchased'], base.predict_proba(test)[:, 1]):>8.4f}")
    if args.ceiling:
        every = sets["base + every group"]
        print("\nin-month ceiling (logistic, 5-fold CV by shopper within the cut; chooses "
              "nothing):")
        for cut in [cuts[0], cuts[1], test_cut]:
            frame = frames[cut]
            figures = [f"{label} {in_month(frame, cols, args.seed):.4f}"
                       for label, cols in (("served features", FEATURES), ("every group", every))]
            print(f"  {cut:%Y-%m-%d}: " + ", ".join(figures), flush=True)
    print(f"\n{time.perf_counter() - started:.0f} s")


def in_month(frame: pd.DataFrame, columns: list[str], seed: int) -> float:
    folds = StratifiedKFold(5, shuffle=True, random_state=seed)
    p = cross_val_predict(candidates(seed)["logistic_rfm"], frame[columns], frame["purchased"],
                          cv=folds, method="predict_proba")[:, 1]
    return float(roc_auc_score(frame["purchased"], p))


if __name__ == "__main__":
    with threadpool_limits(1):
        main()
