"""Replay of Online Retail II: does the list follow what the shopper just did?

Walks the test period (the project's time split: last 20 % of the time span) invoice by
invoice in time order. Before each invoice the shopper's list is asked for, given everything
before it: the model frozen at the split, the live history growing. The invoice's new items
(not bought before, known to the model) are the truth; Recall@20 and NDCG@20 per invoice,
averaged. Scoring runs in-process through `app.recommend.live_scoring.score_shopper`, the
function the API calls, fed the history the user-context Cypher returns (newest first,
`history_limit` events, each an order_completed with its time).

Serving choices (history window, recency half-life, weight of the trained vector) are made
on a validation replay: models frozen at the validation cut (the last 20 % of the train span)
replaying [validation cut, split). The test replay is run once with the chosen values.

    .venv/bin/python bench/replay.py [--lightgcn-minutes 4] [--json out.json]

Items newer than the model (vectors from their neighbourhood) are measured by
bench/replay_fresh.py, which reuses this walk.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.recommend.live_scoring import score_shopper  # noqa: E402
from app.recommend.schemas import ScoringMode  # noqa: E402
from bench.replay_data import (  # noqa: E402
    Purchases,
    Snapshot,
    lightgcn_vectors,
    load_purchases,
    snapshot,
)
from recmodel.artifact_format import EmbeddingArtifact  # noqa: E402
from recmodel.live_history import ServingParams  # noqa: E402
from trainer.build_model import build_filter, choose_graph_filter  # noqa: E402
from trainer.candidates import lightgcn_projection  # noqa: E402
from trainer.data import split_validation  # noqa: E402

K = 20
DISCOUNTS = 1.0 / np.log2(np.arange(2, K + 2))
GRID = {"half_life_hours": (None, 24.0 * 30),
        "history_limit": (50, 500),
        "static_weight": (0.0, 0.25, 0.5)}


@dataclass
class Invoice:
    customer: str
    ts_ms: int
    items: list[str]  # one entry per invoice line


def invoices(p: Purchases) -> list[Invoice]:
    out: dict[str, Invoice] = {}
    for c, i, t, inv in zip(p.customer, p.item, p.ts_ms, p.invoice, strict=True):
        if inv not in out:
            out[inv] = Invoice(c, int(t), [])
        out[inv].items.append(i)
    return sorted(out.values(), key=lambda x: x.ts_ms)


@dataclass
class Case:
    """One invoice to predict: the shopper's history before it (newest first) and the truth."""

    customer: str
    ts_ms: int
    events: list[tuple[str, str, int]]
    truth: set[str]
    new_shopper: bool


def cases(all_invoices: list[Invoice], start_ms: int, end_ms: int, known_users: set[str],
          known_items: set[str]) -> list[Case]:
    history: dict[str, list[tuple[str, str, int]]] = defaultdict(list)
    out = []
    for inv in all_invoices:
        if inv.ts_ms >= end_ms:
            break
        past = history[inv.customer]
        if inv.ts_ms >= start_ms:
            bought = {e[0] for e in past}
            truth = {i for i in inv.items if i not in bought and i in known_items}
            if truth:
                out.append(Case(inv.customer, inv.ts_ms, past[::-1], truth,
                                inv.customer not in known_users))
        past.extend((i, "order_completed", inv.ts_ms) for i in inv.items)
    return out


def score(ranked: list[str], truth: set[str]) -> tuple[float, float]:
    hits = np.array([i in truth for i in ranked[:K]], dtype=float)
    ideal = DISCOUNTS[:min(len(truth), K)].sum()
    return hits.sum() / len(truth), float((hits * DISCOUNTS[:len(hits)]).sum() / ideal)


def replay(model: EmbeddingArtifact | None, rows: list[Case], params: ServingParams,
           mode: ScoringMode, popular: list[str]) -> dict:
    """Mean Recall@K / NDCG@K; a case the model has nothing for gets popularity (as the API)."""
    recalls, ndcgs, personalized = [], [], 0
    for case in rows:
        events = case.events[:params.history_limit]
        seen = {e[0] for e in events}
        ranked: list[str] = []
        if model is not None:
            scored = score_shopper(model, case.customer, events, case.ts_ms, params, mode, K,
                                   seen)
            ranked = [i for i, _ in scored.pool]
            personalized += scored.strategy is not None
        if not ranked:
            ranked = [i for i in popular if i not in seen][:K]
        r, n = score(ranked, case.truth)
        recalls.append(r)
        ndcgs.append(n)
    return {"recall@20": float(np.mean(recalls)), "ndcg@20": float(np.mean(ndcgs)),
            "invoices": len(rows), "personalized": personalized}


def models_at(snap: Snapshot, lightgcn_minutes: float) -> tuple[dict, dict]:
    """The frozen models of a snapshot: graph filter (settings chosen on a carve-out of the
    snapshot, as build-model does) and LightGCN; plus what each took."""
    started = time.process_time()
    fit, valid = split_validation(snap.train, 0.05, 2020)
    choice = choose_graph_filter(fit, valid)
    gf = build_filter(snap.train, choice.params)
    gf_cpu = time.process_time() - started
    out = {"graph_filter": EmbeddingArtifact(
        "gf", {"model": "graph_filter"}, gf.user_vectors(snap.train), gf.item_emb,
        snap.user_ids, snap.item_ids, gf.item_proj)}
    info = {"graph_filter": {**choice.params, "cpu_s": round(gf_cpu, 1)}}
    if lightgcn_minutes > 0:
        user, item, lg = lightgcn_vectors(snap, lightgcn_minutes)
        out["lightgcn"] = EmbeddingArtifact(
            "lgcn", {"model": "lightgcn"}, user, item, snap.user_ids, snap.item_ids,
            lightgcn_projection(item, snap.train))
        info["lightgcn"] = lg
    return out, info


def popularity(snap: Snapshot) -> list[str]:
    counts = np.asarray(snap.train.sum(axis=0)).ravel()
    return [snap.item_ids[i] for i in np.argsort(-counts, kind="stable")]


def choose_params(model: EmbeddingArtifact, rows: list[Case], popular: list[str]
                  ) -> tuple[ServingParams, list[dict]]:
    table = []
    for half, limit, weight in itertools.product(*GRID.values()):
        params = ServingParams(history_limit=limit, half_life_hours=half, static_weight=weight)
        m = replay(model, rows, params, ScoringMode.live, popular)
        table.append({"half_life_hours": half, "history_limit": limit, "static_weight": weight,
                      **m})
    best = max(table, key=lambda r: r["recall@20"])
    return ServingParams(history_limit=best["history_limit"],
                         half_life_hours=best["half_life_hours"],
                         static_weight=best["static_weight"]), table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lightgcn-minutes", type=float, default=4.0,
                        help="training budget per frozen LightGCN (0: graph filter only)")
    parser.add_argument("--val-cases", type=int, default=2000,
                        help="validation invoices used for the grid (evenly spaced)")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()

    p = load_purchases()
    all_invoices = invoices(p)
    result: dict = {"split_ms": p.test_cut_ms, "val_cut_ms": p.val_cut_ms}

    # Validation: models frozen at the validation cut, replaying up to the split.
    val_snap = snapshot(p, p.val_cut_ms)
    val_models, val_info = models_at(val_snap, args.lightgcn_minutes)
    print(f"models at the validation cut: {val_info}", flush=True)
    val_cases = [c for c in cases(all_invoices, p.val_cut_ms, p.test_cut_ms,
                                  set(val_snap.user_ids), set(val_snap.item_ids))
                 if not c.new_shopper]
    step = max(1, len(val_cases) // args.val_cases)
    val_cases = val_cases[::step]
    print(f"validation: {len(val_cases)} invoices", flush=True)
    chosen: dict[str, ServingParams] = {}
    for name, model in val_models.items():
        chosen[name], table = choose_params(model, val_cases, popularity(val_snap))
        result[f"validation_grid_{name}"] = table
        print(f"{name}: chosen on validation {chosen[name].as_dict()}", flush=True)

    # Test: models frozen at the split, live history growing through the test period.
    snap = snapshot(p, p.test_cut_ms)
    models, info = models_at(snap, args.lightgcn_minutes)
    print(f"models at the split: {info}", flush=True)
    popular = popularity(snap)
    test = cases(all_invoices, p.test_cut_ms, 1 << 62, set(snap.user_ids),
                 set(snap.item_ids))
    known = [c for c in test if not c.new_shopper]
    new = [c for c in test if c.new_shopper and c.events]
    rows = {"popularity": replay(None, known, ServingParams(), ScoringMode.static, popular)}
    for name, model in models.items():
        rows[f"{name} static"] = replay(model, known, chosen[name], ScoringMode.static,
                                        popular)
        rows[f"{name} live"] = replay(model, known, chosen[name], ScoringMode.live, popular)
    new_rows = {"popularity": replay(None, new, ServingParams(), ScoringMode.static, popular)}
    for name, model in models.items():
        new_rows[f"{name} live (inductive)"] = replay(model, new, chosen[name],
                                                      ScoringMode.live, popular)
    result.update({"models": info, "chosen": {k: v.as_dict() for k, v in chosen.items()},
                   "known_shoppers": rows, "new_shoppers": new_rows})
    static_name = "lightgcn static" if "lightgcn static" in rows else "graph_filter static"
    print(f"\nTest replay, shoppers known at the split ({len(known)} invoices)")
    print("| list | Recall@20 | NDCG@20 | x static list (Recall) |")
    print("|---|---|---|---|")
    for name, m in rows.items():
        print(f"| {name} | {m['recall@20']:.4f} | {m['ndcg@20']:.4f} | "
              f"{m['recall@20'] / rows[static_name]['recall@20']:.2f} |")
    print(f"\nShoppers first seen after the split, invoices after their first ({len(new)})")
    print("| list | Recall@20 | NDCG@20 | x popularity (Recall) |")
    print("|---|---|---|---|")
    for name, m in new_rows.items():
        print(f"| {name} | {m['recall@20']:.4f} | {m['ndcg@20']:.4f} | "
              f"{m['recall@20'] / new_rows['popularity']['recall@20']:.2f} |")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, default=str))


if __name__ == "__main__":
    main()
