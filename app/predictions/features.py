"""Per-shopper features at a cut and outcomes after it, from an event table (pure pandas).

The one definition of what the models see, used alike by the background job (events read
from the graph) and by `bench/predictions.py` (Online Retail II invoices). Everything is
relative to the cut: nothing after it enters the features, nothing before it the outcome.

Events: a DataFrame with `user_id` (str), `ts` (tz-aware datetime64), `type` (the graph's
event type: `order_completed`, `order_refunded`, `product_viewed`, ...) and `revenue` (float,
the order's revenue on `order_completed`, else 0).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pandas as pd

ORDER = "order_completed"
REFUND = "order_refunded"
CART = ("product_added", "checkout_started")
DAY = pd.Timedelta(days=1)
# Recency of shoppers without an order: a long way back, so trees and scalers see "never".
NEVER_DAYS = 3650.0

FEATURES = [
    "recency_days",  # days from the last order to the cut (NEVER_DAYS without one)
    "frequency",  # orders
    "monetary",  # revenue
    "avg_order_value",
    "tenure_days",  # days from the first event to the cut
    "orders_30d", "orders_90d", "orders_180d",
    "revenue_90d",
    "refunds",
    "days_between_orders",  # tenure over orders: the shopper's own buying rhythm
    "events_30d", "events_total",  # engagement: every behavioural event
    "views_30d", "carts_30d",
    "last_seen_days",  # days from the last event of any kind to the cut
]


def normalize(events: pd.DataFrame) -> pd.DataFrame:
    """The four columns with their types; rows in time order."""
    out = pd.DataFrame({
        "user_id": events["user_id"].astype(str),
        "ts": pd.to_datetime(events["ts"], utc=True),
        "type": events["type"].astype(str),
        "revenue": pd.to_numeric(events["revenue"], errors="coerce").fillna(0.0),
    })
    return out.sort_values("ts", kind="stable").reset_index(drop=True)


def _window_counts(frame: pd.DataFrame, cut: pd.Timestamp, days: int) -> pd.Series:
    recent = frame[frame["ts"] > cut - days * DAY]
    return recent.groupby("user_id").size()


def features_at(events: pd.DataFrame, cut: datetime, users: pd.Index | None = None
                ) -> pd.DataFrame:
    """One row per shopper with at least one event up to `cut` (or per `users`), indexed by
    user_id, columns FEATURES. `events` as `normalize` returns it."""
    cut_ts = pd.Timestamp(cut)
    seen = events[events["ts"] <= cut_ts]
    ids = users if users is not None else pd.Index(sorted(seen["user_id"].unique()),
                                                   name="user_id")
    out = pd.DataFrame(index=ids)
    out.index.name = "user_id"
    orders = seen[seen["type"] == ORDER]
    by_user = orders.groupby("user_id")
    last_order = by_user["ts"].max()
    out["recency_days"] = ((cut_ts - last_order) / DAY).reindex(ids).fillna(NEVER_DAYS)
    out["frequency"] = by_user.size().reindex(ids).fillna(0)
    out["monetary"] = by_user["revenue"].sum().reindex(ids).fillna(0.0)
    out["avg_order_value"] = (out["monetary"] / out["frequency"].where(out["frequency"] > 0)
                              ).fillna(0.0)
    all_by_user = seen.groupby("user_id")["ts"]
    out["tenure_days"] = ((cut_ts - all_by_user.min()) / DAY).reindex(ids).fillna(0.0)
    for days in (30, 90, 180):
        out[f"orders_{days}d"] = _window_counts(orders, cut_ts, days).reindex(ids).fillna(0)
    recent_orders = orders[orders["ts"] > cut_ts - 90 * DAY]
    out["revenue_90d"] = recent_orders.groupby("user_id")["revenue"].sum().reindex(ids
                                                                                  ).fillna(0.0)
    refunds = seen[seen["type"] == REFUND]
    out["refunds"] = refunds.groupby("user_id").size().reindex(ids).fillna(0)
    out["days_between_orders"] = (out["tenure_days"] / out["frequency"].where(
        out["frequency"] > 0)).fillna(NEVER_DAYS)
    out["events_30d"] = _window_counts(seen, cut_ts, 30).reindex(ids).fillna(0)
    out["events_total"] = seen.groupby("user_id").size().reindex(ids).fillna(0)
    views = seen[seen["type"] == "product_viewed"]
    carts = seen[seen["type"].isin(CART)]
    out["views_30d"] = _window_counts(views, cut_ts, 30).reindex(ids).fillna(0)
    out["carts_30d"] = _window_counts(carts, cut_ts, 30).reindex(ids).fillna(0)
    out["last_seen_days"] = ((cut_ts - all_by_user.max()) / DAY).reindex(ids).fillna(NEVER_DAYS)
    return out[FEATURES].astype(float)


def outcomes_after(events: pd.DataFrame, cut: datetime, days: int, users: pd.Index
                   ) -> pd.DataFrame:
    """Per shopper of `users`: `purchased` (an order in (cut, cut + days]) and `value`
    (revenue of those orders)."""
    cut_ts = pd.Timestamp(cut)
    window = events[(events["ts"] > cut_ts) & (events["ts"] <= cut_ts + days * DAY)
                    & (events["type"] == ORDER)]
    grouped = window.groupby("user_id")
    out = pd.DataFrame(index=users)
    out["purchased"] = grouped.size().reindex(users).fillna(0).gt(0).astype(int)
    out["value"] = grouped["revenue"].sum().reindex(users).fillna(0.0).clip(lower=0.0)
    return out


def training_frame(events: pd.DataFrame, cuts: list[datetime], days: int,
                   min_orders: int = 0) -> pd.DataFrame:
    """Features at each cut joined with the outcome `days` after it, stacked; `cut` and
    `user_id` columns say where each row comes from. Shoppers with fewer than `min_orders`
    orders at the cut are left out."""
    frames = []
    for cut in cuts:
        x = features_at(events, cut)
        if min_orders:
            x = x[x["frequency"] >= min_orders]
        if x.empty:
            continue
        y = outcomes_after(events, cut, days, x.index)
        frame = x.join(y)
        frame["cut"] = pd.Timestamp(cut)
        frames.append(frame.reset_index())
    if not frames:
        return pd.DataFrame(columns=["user_id", *FEATURES, "purchased", "value", "cut"])
    return pd.concat(frames, ignore_index=True)


def cuts_before(anchor: datetime, horizon_days: int, count: int, step_days: int = 30
                ) -> list[datetime]:
    """Training cuts whose outcome window ends at or before `anchor`, newest first."""
    first = anchor - timedelta(days=horizon_days)
    return [first - timedelta(days=step_days * k) for k in range(count)]


def log_features(x: pd.DataFrame) -> np.ndarray:
    """Counts and amounts on a log scale (what scalers and k-means should see)."""
    return np.log1p(x[FEATURES].clip(lower=0.0).to_numpy(dtype=float))
