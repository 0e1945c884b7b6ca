"""Replay of Online Retail II: what do vectors for items newer than the model bring?

Items first sold after the model's cut are unknown to the frozen model. The server gives such
an item a vector every `fresh_items_interval_s` from its graph neighbourhood
(`cypher/recommend/fresh_item_neighbours.cypher` reads it, `app.recommend.fresh_items.
fresh_vectors` turns it into a vector, `EmbeddingArtifact.with_items` serves it). This replay
walks the period after the cut invoice by invoice, in time order, and scores each invoice twice
with the same frozen graph filter and the same live history: with the fresh-item vectors the
server would hold at that moment (on) and without them (off).

No leakage: at each refresh (every `--refresh-s` seconds of data time, the server's interval by
default) the neighbourhoods are rebuilt from the purchases strictly before the refresh time,
the way the Cypher reads them (the item's first `shoppers` buyers, the items they bought counted
by shoppers in common, top `neighbours`, the item itself left out). Online Retail II has no
categories, so the category fallback (`peers`) is empty here: an item nobody has bought yet has
no vector. Every shopper counts as consented, as in bench/replay.py.

Truth = the invoice's items the shopper had not bought before, including items newer than the
model (bench/replay.py keeps only items the model holds, so its figures differ). Rows: all
invoices (Recall@20 / NDCG@20 per invoice, averaged), and the invoice lines whose item is newer
than the model ("new-item recall": lines whose item was in the list / lines).

    .venv/bin/python bench/replay_fresh.py [--period validation|test] [--json out.json]

Design choices are made on `--period validation` (model frozen at the validation cut, replaying
[validation cut, split)); the test period is run with the chosen design.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import scipy.sparse as sp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.recommend.fresh_items import fresh_vectors  # noqa: E402
from app.recommend.live_scoring import score_shopper  # noqa: E402
from app.recommend.recommendation_repository import FreshItem  # noqa: E402
from app.recommend.schemas import ScoringMode  # noqa: E402
from bench.replay import K, invoices, models_at, popularity, score  # noqa: E402
from bench.replay_data import Purchases, load_purchases, snapshot  # noqa: E402
from recmodel.artifact_format import EmbeddingArtifact  # noqa: E402
from recmodel.live_history import ServingParams  # noqa: E402

# The repository's defaults for the fresh-item query (RecommendationRepository.fresh_items).
SHOPPERS, NEIGHBOURS = 200, 20


class PurchaseGraph:
    """The (shopper)-[bought]->(item) pairs with the time each first happened, so the graph as
    of any moment is a prefix."""

    def __init__(self, p: Purchases) -> None:
        self.users, u = np.unique(p.customer, return_inverse=True)
        self.items, i = np.unique(p.item, return_inverse=True)  # sorted: ties break by id
        key = u.astype(np.int64) * len(self.items) + i
        _, first = np.unique(key, return_index=True)  # rows are in time order
        first = np.sort(first)
        self.pair_u, self.pair_i, self.pair_ts = u[first], i[first], p.ts_ms[first]

    def fresh_items(self, before_ms: int, fresh_cols: np.ndarray) -> list[FreshItem]:
        """What the fresh-item query returns at `before_ms` for the items `fresh_cols`:
        each bought one with its co-purchased items (shoppers in common), purchases before
        `before_ms` only."""
        n = int(np.searchsorted(self.pair_ts, before_ms, side="left"))
        pu, pi = self.pair_u[:n], self.pair_i[:n]
        shape = (len(self.users), len(self.items))
        graph = sp.csr_matrix((np.ones(n, np.float32), (pu, pi)), shape=shape)
        is_fresh = np.zeros(len(self.items), bool)
        is_fresh[fresh_cols] = True
        mask = is_fresh[pi]
        fu, fi = pu[mask], pi[mask]  # in time order
        if not len(fi):
            return []
        order = np.argsort(fi, kind="stable")
        fu, fi = fu[order], fi[order]
        starts = np.r_[0, np.flatnonzero(np.diff(fi)) + 1]
        rank = np.arange(len(fi)) - np.repeat(starts, np.diff(np.r_[starts, len(fi)]))
        keep = rank < SHOPPERS  # the item's first buyers
        active, row = np.unique(fi[keep], return_inverse=True)
        buyers = sp.csr_matrix((np.ones(int(keep.sum()), np.float32), (row, fu[keep])),
                               shape=(len(active), len(self.users)))
        common = (buyers @ graph).tocsr()
        out = []
        for r, col in enumerate(active.tolist()):
            lo, hi = common.indptr[r], common.indptr[r + 1]
            idx, cnt = common.indices[lo:hi], common.data[lo:hi]
            own = idx != col
            idx, cnt = idx[own], cnt[own]
            top = np.lexsort((idx, -cnt))[:NEIGHBOURS]
            out.append(FreshItem(str(self.items[col]), None,
                                 [(str(self.items[j]), int(c))
                                  for j, c in zip(idx[top], cnt[top], strict=True)], []))
        return out


@dataclass
class Tally:
    recalls: list[float] = field(default_factory=list)
    ndcgs: list[float] = field(default_factory=list)
    new_recalls: list[float] = field(default_factory=list)
    new_ndcgs: list[float] = field(default_factory=list)
    new_lines: int = 0
    new_hits: int = 0
    personalized: int = 0

    def add(self, ranked: list[str], truth: set[str], new_truth: set[str]) -> None:
        r, n = score(ranked, truth)
        self.recalls.append(r)
        self.ndcgs.append(n)
        if new_truth:
            r, n = score(ranked, new_truth)
            self.new_recalls.append(r)
            self.new_ndcgs.append(n)
            self.new_lines += len(new_truth)
            self.new_hits += len(new_truth & set(ranked[:K]))

    def as_dict(self) -> dict:
        return {"recall@20": float(np.mean(self.recalls)), "ndcg@20": float(np.mean(self.ndcgs)),
                "invoices": len(self.recalls), "personalized": self.personalized,
                "new_item_invoices": len(self.new_recalls),
                "new_item_recall@20": float(np.mean(self.new_recalls or [0.0])),
                "new_item_ndcg@20": float(np.mean(self.new_ndcgs or [0.0])),
                "new_item_lines": self.new_lines, "new_item_line_hits": self.new_hits,
                "new_item_line_recall@20": self.new_hits / max(1, self.new_lines)}


def ranked_list(model: EmbeddingArtifact, customer: str, events: list, ts_ms: int,
                params: ServingParams, popular: list[str], tally: Tally) -> list[str]:
    """The list the API serves (live mode; popularity when the model has nothing)."""
    events = events[:params.history_limit]
    seen = {e[0] for e in events}
    scored = score_shopper(model, customer, events, ts_ms, params, ScoringMode.live, K, seen)
    tally.personalized += scored.strategy is not None
    ranked = [i for i, _ in scored.pool]
    return ranked or [i for i in popular if i not in seen][:K]


def run(p: Purchases, cut_ms: int, end_ms: int, refresh_s: float, params: ServingParams,
        keep_norm: bool = False) -> dict:
    snap = snapshot(p, cut_ms)
    started = time.process_time()
    models, _ = models_at(snap, 0)
    model = models["graph_filter"]
    print(f"graph filter frozen at the cut: {time.process_time() - started:.0f} CPU s",
          flush=True)
    popular = popularity(snap)
    graph = PurchaseGraph(p)
    fresh_cols = np.flatnonzero(~np.isin(graph.items, snap.item_ids))
    fresh_set = {str(graph.items[c]) for c in fresh_cols}
    in_period = (p.ts_ms >= cut_ms) & (p.ts_ms < end_ms)
    sold_in_period = len(fresh_set & set(p.item[in_period].tolist()))
    history: dict[str, list[tuple[str, str, int]]] = defaultdict(list)
    on, off = Tally(), Tally()
    served, refreshed_at, refreshes, with_vector = model, None, 0, []
    refresh_ms = refresh_s * 1000
    refresh_cpu = 0.0
    for inv in invoices(p):
        if inv.ts_ms >= end_ms:
            break
        past = history[inv.customer]
        if inv.ts_ms >= cut_ms:
            bought = {e[0] for e in past}
            truth = {i for i in inv.items if i not in bought}
            if truth:
                if refreshed_at is None or inv.ts_ms - refreshed_at >= refresh_ms:
                    t0 = time.process_time()
                    ids, emb, proj = fresh_vectors(model, graph.fresh_items(inv.ts_ms, fresh_cols),
                                                    keep_norm)
                    served = model.with_items(ids, emb, proj) if ids else model
                    refresh_cpu += time.process_time() - t0
                    refreshed_at, refreshes = inv.ts_ms, refreshes + 1
                events = past[::-1]
                new_truth = truth & fresh_set
                with_vector.append(len(new_truth & served.item_row.keys()))
                on.add(ranked_list(served, inv.customer, events, inv.ts_ms, params, popular,
                                   on), truth, new_truth)
                off.add(ranked_list(model, inv.customer, events, inv.ts_ms, params, popular,
                                    off), truth, new_truth)
        past.extend((i, "order_completed", inv.ts_ms) for i in inv.items)
    return {"fresh_on": on.as_dict(), "fresh_off": off.as_dict(),
            "fresh_items_sold_in_period": sold_in_period, "refreshes": refreshes,
            "refresh_cpu_s": round(refresh_cpu, 1),
            "new_item_lines_with_a_vector": int(np.sum(with_vector)),
            "params": params.as_dict()}


# (customer, item, ts_ms) in time order; "new" is the item newer than the model.
CHECK_ROWS = [("a", "x", 1), ("a", "y", 2), ("b", "y", 3), ("a", "new", 4), ("b", "z", 5),
              ("b", "new", 6), ("c", "w", 7), ("c", "new", 8)]


def self_check() -> None:
    """The replica reads neighbourhoods as the server's query does, only from purchases
    before the refresh time (checked on a small log before every run)."""
    c, i, t = (np.asarray(col) for col in zip(*CHECK_ROWS, strict=True))
    graph = PurchaseGraph(Purchases(c, i, t.astype(np.int64),
                                    np.asarray([f"inv{n}" for n in t]), 0, 0))
    fresh = np.flatnonzero(graph.items == "new")

    def at(before_ms: int) -> dict[str, list[tuple[str, int]]]:
        return {f.item_id: f.neighbours for f in graph.fresh_items(before_ms, fresh)}

    assert at(4) == {}  # nobody has bought it yet: no neighbourhood, no vector
    assert at(5) == {"new": [("x", 1), ("y", 1)]}  # a's purchases, itself left out
    # b bought it at 6 and y before: y is now shared by two buyers; z (5) counts too.
    assert at(7) == {"new": [("y", 2), ("x", 1), ("z", 1)]}
    assert at(8) == at(7)  # c's w at 7 is before c bought the item
    assert at(9) == {"new": [("y", 2), ("w", 1), ("x", 1), ("z", 1)]}


def main() -> None:
    self_check()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--period", choices=("validation", "test"), default="test")
    parser.add_argument("--refresh-s", type=float, default=60.0,
                        help="data-time seconds between fresh-vector refreshes (server: 60)")
    parser.add_argument("--keep-norm", action="store_true")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()

    p = load_purchases()
    cut, end = ((p.val_cut_ms, p.test_cut_ms) if args.period == "validation"
                else (p.test_cut_ms, 1 << 62))
    res = run(p, cut, end, args.refresh_s, ServingParams(), args.keep_norm)
    res["period"] = args.period
    on, off = res["fresh_on"], res["fresh_off"]
    print(f"\n{args.period} replay, graph filter live (serving defaults), "
          f"{on['invoices']} invoices, {res['fresh_items_sold_in_period']} items newer than the "
          f"model sold, {res['refreshes']} refreshes ({res['refresh_cpu_s']} CPU s)")
    print("| fresh-item vectors | Recall@20 | NDCG@20 | new-item invoices: Recall@20 | "
          "NDCG@20 | new-item lines in the list |")
    print("|---|---|---|---|---|---|")
    for name, m in (("off", off), ("on", on)):
        print(f"| {name} | {m['recall@20']:.4f} | {m['ndcg@20']:.4f} | "
              f"{m['new_item_recall@20']:.4f} | {m['new_item_ndcg@20']:.4f} | "
              f"{m['new_item_line_hits']} / {m['new_item_lines']} "
              f"({m['new_item_line_recall@20']:.4f}) |")
    print(f"on / off: Recall {on['recall@20'] / off['recall@20']:.3f}x, "
          f"NDCG {on['ndcg@20'] / off['ndcg@20']:.3f}x; new-item lines whose item had a "
          f"vector when scored: {res['new_item_lines_with_a_vector']} / {on['new_item_lines']}; "
          f"new-item invoices: {on['new_item_invoices']}")
    if args.json:
        args.json.write_text(json.dumps(res, indent=2, default=str))


if __name__ == "__main__":
    main()
