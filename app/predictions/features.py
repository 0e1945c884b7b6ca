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

from recmodel.histories import HISTORY_GAP_DAYS, align_histories

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
RFM_FEATURES = list(FEATURES)  # recency, frequency, monetary and engagement
FEATURES += [
    # the shopper's own rhythm, over distinct days with an order ("order days")
    "order_days",
    "order_days_7d", "order_days_14d", "order_days_30d", "order_days_60d",
    "order_days_90d", "order_days_180d", "order_days_365d",
    "trend_90d",  # order days in the last 90 days less those in the 90 before
    "active_months",  # distinct calendar months with an order
    "first_order_days", "order_span_days",  # first order to the cut, first to last order
    "gap_mean_days", "gap_std_days", "gap_median_days", "gap_last_days",
    "recency_over_gap",  # recency in units of the shopper's own mean gap
    "due_in_days",  # mean gap less recency: when the next order is due (< 0: overdue)
    "revenue_30d",
]
ORDER_DAY_WINDOWS = (7, 14, 30, 60, 90, 180, 365)


def normalize(events: pd.DataFrame) -> pd.DataFrame:
    """The four columns with their types; rows in time order."""
    out = pd.DataFrame({
        "user_id": events["user_id"].astype(str),
        "ts": pd.to_datetime(events["ts"], utc=True),
        "type": events["type"].astype(str),
        "revenue": pd.to_numeric(events["revenue"], errors="coerce").fillna(0.0),
    })
    return out.sort_values("ts", kind="stable").reset_index(drop=True)


def aligned(events: pd.DataFrame, gap_days: float | None = HISTORY_GAP_DAYS
            ) -> tuple[pd.DataFrame, list[dict]]:
    """`events` (as `normalize` returns them) with every older history moved forward to end
    with the latest one, and the histories found: the recommender's alignment
    (`recmodel.histories`), so a 2010 import beside this year's shop is scored on its own
    clock, not as 16 years lapsed. One continuous history is returned unchanged."""
    if events.empty:
        return events, []
    ms = ((events["ts"] - pd.Timestamp(0, tz="UTC")) / pd.Timedelta(milliseconds=1)
          ).to_numpy(dtype=np.float64)
    moved, histories = align_histories(ms, float(ms.max()), gap_days)
    if len(histories) < 2:
        return events, histories
    out = events.assign(ts=pd.to_datetime(moved.round().astype(np.int64), unit="ms", utc=True))
    return out.sort_values("ts", kind="stable").reset_index(drop=True), histories


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
    _rhythm(out, orders, cut_ts, ids)
    return out[FEATURES].astype(float)


def _rhythm(out: pd.DataFrame, orders: pd.DataFrame, cut: pd.Timestamp, ids: pd.Index) -> None:
    """Buying rhythm from distinct order days: windows, gaps between them, how overdue the
    next order is by the shopper's own mean gap. Without two order days there is no gap:
    gaps read NEVER_DAYS (a rhythm too slow to expect anything), their spread 0."""
    days = pd.DataFrame({"user_id": orders["user_id"], "day": orders["ts"].dt.floor("D"),
                         "revenue": orders["revenue"]})
    daily = days.groupby(["user_id", "day"], sort=True)["revenue"].sum().reset_index()
    by_user = daily.groupby("user_id")
    out["order_days"] = by_user.size().reindex(ids).fillna(0)
    for window in ORDER_DAY_WINDOWS:
        recent = daily[daily["day"] > cut - window * DAY]
        out[f"order_days_{window}d"] = recent.groupby("user_id").size().reindex(ids).fillna(0)
    out["trend_90d"] = 2 * out["order_days_90d"] - out["order_days_180d"]
    month = daily["day"].dt.year * 12 + daily["day"].dt.month
    out["active_months"] = month.groupby(daily["user_id"]).nunique().reindex(ids).fillna(0)
    first, last = by_user["day"].min().reindex(ids), by_user["day"].max().reindex(ids)
    out["first_order_days"] = ((cut - first) / DAY).fillna(NEVER_DAYS)
    out["order_span_days"] = ((last - first) / DAY).fillna(0.0)
    gaps = (by_user["day"].diff() / DAY).groupby(daily["user_id"])
    out["gap_mean_days"] = gaps.mean().reindex(ids).fillna(NEVER_DAYS)
    out["gap_std_days"] = gaps.std().reindex(ids).fillna(0.0)
    out["gap_median_days"] = gaps.median().reindex(ids).fillna(NEVER_DAYS)
    out["gap_last_days"] = gaps.last().reindex(ids).fillna(NEVER_DAYS)
    out["recency_over_gap"] = out["recency_days"] / out["gap_mean_days"].clip(lower=1.0)
    out["due_in_days"] = out["gap_mean_days"] - out["recency_days"]
    recent = daily[daily["day"] > cut - 30 * DAY]
    out["revenue_30d"] = recent.groupby("user_id")["revenue"].sum().reindex(ids).fillna(0.0)


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
    """Counts and amounts on a log scale (what scalers and k-means should see); signed
    features (trend, due in) keep their sign."""
    values = x[FEATURES].to_numpy(dtype=float)
    return np.sign(values) * np.log1p(np.abs(values))
