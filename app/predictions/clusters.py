"""Behavioural clusters: k-means on standardized RFM and engagement features.

k is chosen by the silhouette coefficient (cosine-free, Euclidean, on a sample) over
k = 2..8: the k whose clusters are most cohesive and separated. Clusters are numbered by
their members' median spend, highest first, so `cluster = 0` keeps meaning "the biggest
spenders" from one refresh to the next, and each is described in words from its centre.

A cluster's words and text are medians, and a median hides a minority: a cluster where 40 %
ordered has a median of 0 orders. So whether members ordered is read from the members (the
share with an order), never from a median or from a recency sentinel (an imported 2010
customer's last order may lie further back than NEVER_DAYS), and the buying figures in the
text are the medians of the members who ordered.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import StandardScaler

CLUSTER_FEATURES = ["recency_days", "frequency", "monetary", "tenure_days", "events_30d"]
K_RANGE = range(2, 9)
SILHOUETTE_SAMPLE = 3000
MIN_SHOPPERS = 20
WORDS = {  # (feature, sign of the centre's z-score) -> word
    ("recency_days", -1): "recent", ("recency_days", 1): "lapsed",
    ("frequency", 1): "frequent", ("frequency", -1): "occasional",
    ("monetary", 1): "high spend", ("monetary", -1): "low spend",
    ("tenure_days", 1): "long-standing", ("tenure_days", -1): "new",
    ("events_30d", 1): "active lately", ("events_30d", -1): "quiet lately",
}
BUYING = ("recency_days", "frequency", "monetary")
LOW, HIGH = 1 / 3, 2 / 3  # a centre below the lower tertile or above the upper gets a word


@dataclass
class Clusters:
    k: int
    labels: np.ndarray  # per shopper, in the order of the input rows
    silhouettes: dict[int, float] = field(default_factory=dict)
    z_centres: np.ndarray | None = None  # k x features, standardized log scale
    medians: pd.DataFrame | None = None  # k x CLUSTER_FEATURES, raw units
    # per feature, the tertiles a centre is worded against: buying features among shoppers
    # who ordered (so one order is not "frequent" because most shoppers only browse)
    tertiles: dict[str, tuple[float, float]] = field(default_factory=dict)
    # k x CLUSTER_FEATURES: medians among the members who ordered (NaN: nobody did)
    buyer_medians: pd.DataFrame | None = None
    ordered: pd.Series | None = None  # per cluster, the share of members with an order

    def describe(self) -> list[dict[str, Any]]:
        out = []
        for c in range(self.k):
            size = int((self.labels == c).sum())
            med = self.medians.loc[c] if self.medians is not None else None
            if med is None or self.ordered is None or self.buyer_medians is None:
                out.append({"cluster": c, "size": size, "label": self.label(c),
                            "centre": {}, "centre_text": ""})
                continue
            share = float(self.ordered.loc[c])
            out.append({"cluster": c, "size": size, "label": self.label(c),
                        "centre": {k: float(v) for k, v in med.items()},
                        "ordered_share": share,
                        "centre_text": _centre_text(med, self.buyer_medians.loc[c], share)})
        return out

    def label(self, c: int) -> str:
        if self.medians is None or not self.tertiles:
            return "everyone"
        share = float(self.ordered.loc[c]) if self.ordered is not None else 1.0
        browsers = self.medians.loc[c, "frequency"] == 0  # most members never ordered
        words = []
        for f in CLUSTER_FEATURES:
            if browsers and f in BUYING:
                continue
            sign = _side(float(self.medians.loc[c, f]), *self.tertiles[f])
            if f == "frequency" and self.medians.loc[c, f] < 2:
                sign = min(sign, 0)  # one order is never "frequent"
            if sign:
                words.append(WORDS[(f, sign)])
        if browsers:
            head = "browsers who never ordered" if share == 0 else "mostly browsers"
            return ", ".join([head, *words])
        return ", ".join(words) or "average shoppers"


def _side(value: float, low: float, high: float) -> int:
    if high <= low:
        return 0  # no spread to speak of
    return 1 if value >= high else -1 if value <= low else 0


def _tertiles(raw: pd.DataFrame) -> dict[str, tuple[float, float]]:
    buyers = raw[raw["frequency"] > 0]
    out = {}
    for f in CLUSTER_FEATURES:
        column = (buyers if f in BUYING and len(buyers) else raw)[f]
        out[f] = (float(column.quantile(LOW)), float(column.quantile(HIGH)))
    return out


def _centre_text(med: pd.Series, buyers: pd.Series, ordered: float) -> str:
    """The members' medians in shop units; "no order yet" only when no member ordered, the
    buying figures otherwise the medians of the members who did (`buyers`), said to be
    theirs, with their share, when not all did."""
    events = round(med["events_30d"])
    activity = f"{events} event{'' if events == 1 else 's'} in the last 30 days"
    if ordered == 0:
        return f"no order yet, {activity}"
    orders = round(buyers["frequency"])
    buying = (f"last order {buyers['recency_days']:.0f} days ago, {orders} "
              f"order{'' if orders == 1 else 's'}, {buyers['monetary']:,.0f} spent")
    if ordered < 1:
        buying = f"{_share(ordered)} ordered (their buyers' medians: {buying})"
    return f"{buying}, {activity}"


def _share(share: float) -> str:
    """A share of members, in whole percents that never round to none or to all: 0.3 % of
    a cluster ordering reads "<1%", not "0%" (beside their order figures), 99.7 % ">99%"."""
    text = f"{share:.0%}"
    if text == "0%" and share > 0:
        return "<1%"
    if text == "100%" and share < 1:
        return ">99%"
    return text


def _matrix(x: pd.DataFrame) -> np.ndarray:
    return np.log1p(x[CLUSTER_FEATURES].clip(lower=0.0).to_numpy(dtype=float))


def fit_clusters(x: pd.DataFrame, seed: int = 0) -> Clusters:
    """Clusters of the shoppers in `x` (features as `features_at` returns them)."""
    if len(x) < MIN_SHOPPERS:
        return Clusters(1, np.zeros(len(x), dtype=int))
    scaled = StandardScaler().fit_transform(_matrix(x))
    rng = np.random.default_rng(seed)
    sample = rng.choice(len(x), min(len(x), SILHOUETTE_SAMPLE), replace=False)
    fits: dict[int, KMeans] = {}
    scores: dict[int, float] = {}
    distinct = len(np.unique(scaled, axis=0))
    for k in K_RANGE:
        if k >= distinct:
            break
        model = KMeans(n_clusters=k, n_init=4, random_state=seed).fit(scaled)
        if len(np.unique(model.labels_[sample])) < 2:
            continue
        fits[k] = model
        scores[k] = float(silhouette_score(scaled[sample], model.labels_[sample],
                                           random_state=seed))
    if not scores:
        return Clusters(1, np.zeros(len(x), dtype=int))
    best = max(scores, key=lambda k: scores[k])
    model = fits[best]
    raw = x[CLUSTER_FEATURES].reset_index(drop=True)
    medians = raw.groupby(model.labels_).median()
    # renumber by median spend (then frequency), highest first
    order = medians.sort_values(["monetary", "frequency"], ascending=False).index.tolist()
    remap = {old: new for new, old in enumerate(order)}
    labels = np.array([remap[c] for c in model.labels_])
    medians = medians.rename(index=remap).sort_index()
    bought = raw["frequency"].to_numpy() > 0
    ordered = pd.Series(bought).groupby(labels).mean().reindex(range(best), fill_value=0.0)
    buyer_medians = (raw[bought].groupby(labels[bought]).median()
                     .reindex(range(best)))
    z = model.cluster_centers_[order]
    return Clusters(best, labels, scores, z, medians, _tertiles(raw), buyer_medians, ordered)
