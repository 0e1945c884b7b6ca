"""Predicted traits validated on UCI Online Retail II with a time split.

    .venv/bin/python bench/predictions.py
    .venv/bin/python bench/predictions.py --path /work/shared/data/online_retail_ii --seed 1

The store's own code (app/predictions: features, models, clusters) on the invoices read
with pandas. Time runs out at the latest invoice (the anchor, never the wall clock):

- test cut = anchor - 90 days: features up to it, outcomes in the following 30 days
  (purchase) and 90 days (value), for every customer with an order before it;
- training: the same features and outcomes at earlier cuts (every 30 days back from
  test cut - 30 days for purchase, test cut - 90 days for value), so no training outcome
  reaches past the test cut. The purchase model is chosen on the latest of those cuts
  (validation cut = test cut - 30 days, candidates fitted on the cuts before it), then
  fitted again on every training cut; the value model on held-out training customers.
  Never on the test period.

Prints the test AUC of the chosen purchase model and of the recency-only baseline,
calibration by decile, the value model's error against the naive average, and the
behavioural clusters (k chosen by silhouette). --horizons 30,90 adds the same purchase
model for the next 90 days (churn's complement), chosen the same way.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.predictions.clusters import fit_clusters
from app.predictions.features import (
    features_at,
    normalize,
    outcomes_after,
    training_frame,
)
from app.predictions.models import (
    auc,
    calibration_by_decile,
    fit_purchase,
    fit_value,
    mae,
    rmse,
)
from app.predictions.training import PURCHASE_CUTS, VALUE_CUTS

DEFAULT_PATH = Path("/work/shared/data/online_retail_ii")


def invoices(path: Path) -> pd.DataFrame:
    """One event per invoice with a customer: orders (revenue = sum of quantity x price) and
    cancellations (`C...`, as refunds). Stock adjustments are left out, as the importer
    does (app/importers/online_retail.py)."""
    files = sorted(path.glob("*.parquet")) if path.is_dir() else [path]
    df = pd.concat([pd.read_parquet(f, columns=["Invoice", "Quantity", "InvoiceDate", "Price",
                                                "Customer ID"]) for f in files])
    df = df.dropna(subset=["Customer ID"])
    df["Invoice"] = df["Invoice"].astype(str)
    refund = df["Invoice"].str.startswith("C")
    df = df[refund | ((df["Quantity"] > 0) & (df["Price"] >= 0))].copy()
    df["line"] = df["Quantity"].abs() * df["Price"]
    df["refund"] = refund
    grouped = df.groupby("Invoice").agg(user_id=("Customer ID", "first"),
                                        ts=("InvoiceDate", "min"), revenue=("line", "sum"),
                                        refund=("refund", "first"))
    events = pd.DataFrame({
        "user_id": grouped["user_id"].astype(int).astype(str),
        "ts": pd.to_datetime(grouped["ts"]).dt.tz_localize("UTC"),
        "type": np.where(grouped["refund"], "order_refunded", "order_completed"),
        "revenue": np.where(grouped["refund"], 0.0, grouped["revenue"]),
    })
    return normalize(events)


def longer(events: pd.DataFrame, test_cut, horizon: int, x: pd.DataFrame, seed: int) -> None:
    """Purchase within `horizon` days of the test cut, trained and chosen the same way on
    cuts whose outcome windows end by the test cut."""
    cuts = [test_cut - timedelta(days=horizon + 30 * k) for k in range(PURCHASE_CUTS)]
    frame = training_frame(events, cuts, horizon, min_orders=1)
    model = fit_purchase(frame, seed, horizon_days=horizon)
    y = outcomes_after(events, test_cut, horizon, x.index)["purchased"]
    base = model.candidates["recency_only"].predict_proba(x)[:, 1]
    print(f"\npurchase in {horizon} days ({y.mean():.1%} bought; {len(frame):,} training rows "
          f"at cuts {', '.join(f'{c:%m-%d}' for c in cuts)}; validation AUC "
          f"{model.validation[model.name]:.4f} -> {model.name}): test AUC "
          f"{auc(y, model.predict(x)):.4f}, recency-only {auc(y, base):.4f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--path", type=Path, default=DEFAULT_PATH)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--horizons", default="30",
                        type=lambda v: [int(h) for h in v.split(",")],
                        help="purchase horizons in days (30 always; e.g. 30,90)")
    args = parser.parse_args()
    started = time.perf_counter()
    events = invoices(args.path)
    anchor = events["ts"].max().to_pydatetime()
    test_cut = anchor - timedelta(days=90)
    print(f"events {len(events):,} invoices, {events['user_id'].nunique():,} customers, "
          f"{events['ts'].min():%Y-%m-%d} .. {anchor:%Y-%m-%d} (anchor: latest invoice)")
    print(f"test cut {test_cut:%Y-%m-%d}: features up to it, outcomes in the next 30 / 90 days")

    purchase_cuts = [test_cut - timedelta(days=30 * (k + 1)) for k in range(PURCHASE_CUTS)]
    value_cuts = [test_cut - timedelta(days=90 + 30 * k) for k in range(VALUE_CUTS)]
    p_frame = training_frame(events, purchase_cuts, 30, min_orders=1)
    v_frame = training_frame(events, value_cuts, 90, min_orders=1)
    print(f"training rows: purchase {len(p_frame):,} at cuts "
          f"{', '.join(f'{c:%m-%d}' for c in purchase_cuts)}; value {len(v_frame):,} at cuts "
          f"{', '.join(f'{c:%m-%d}' for c in value_cuts)}")
    purchase = fit_purchase(p_frame, args.seed)
    value = fit_value(v_frame, args.seed)
    print(f"validation AUC ({purchase.scheme}): " + ", ".join(
        f"{k} {v:.4f}" for k, v in purchase.validation.items()) + f" -> {purchase.name}")
    print("validation RMSE of 90-day value: " + ", ".join(
        f"{k} {v:.1f}" for k, v in value.validation.items()) + f" -> {value.name}")

    x = features_at(events, test_cut)
    x = x[x["frequency"] >= 1]
    y30 = outcomes_after(events, test_cut, 30, x.index)
    y90 = outcomes_after(events, test_cut, 90, x.index)
    p = purchase.predict(x)
    baseline = purchase.candidates["recency_only"].predict_proba(x)[:, 1]
    print(f"\ntest: {len(x):,} customers with an order before the cut, "
          f"{y30['purchased'].mean():.1%} bought in the next 30 days")
    print(f"AUC purchase in 30 days: {purchase.name} {auc(y30['purchased'], p):.4f}   "
          f"recency-only baseline {auc(y30['purchased'], baseline):.4f}   (target >= 0.80)")
    print("  for information, never used to choose: test AUC of every candidate as fitted "
          "for the latest validation fold: " + ", ".join(
              f"{name} {auc(y30['purchased'], m.predict_proba(x)[:, 1]):.4f}"
              for name, m in purchase.candidates.items()))
    print("calibration by decile (mean predicted vs observed):")
    print("  decile  shoppers  predicted  observed")
    for row in calibration_by_decile(y30["purchased"], p):
        print(f"  {row['decile']:>6}  {row['shoppers']:>8}  {row['predicted']:>9.3f}  "
              f"{row['observed']:>8.3f}")
    v = value.predict(x)
    naive = np.full(len(x), float(v_frame["value"].mean()))
    print(f"\nvalue over the next 90 days (mean observed {y90['value'].mean():.1f}, "
          f"total {y90['value'].sum():,.0f}; predicted total {v.sum():,.0f}):")
    print(f"  {value.name}: MAE {mae(y90['value'], v):.1f}  RMSE {rmse(y90['value'], v):.1f}")
    print(f"  naive average {naive[0]:.1f}: MAE {mae(y90['value'], naive):.1f}  "
          f"RMSE {rmse(y90['value'], naive):.1f}")

    for horizon in args.horizons:
        if horizon != 30:
            longer(events, test_cut, horizon, x, args.seed)

    clusters = fit_clusters(x, args.seed)
    print(f"\nclusters at the test cut: k={clusters.k} by silhouette "
          + ", ".join(f"k={k}: {s:.3f}" for k, s in clusters.silhouettes.items()))
    for c in clusters.describe():
        print(f"  {c['cluster']}: {c['size']:>5} shoppers  {c['label']}  ({c['centre_text']})")
    print(f"\n{time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    with threadpool_limits(1):  # see app/predictions/training.py: refresh
        main()
