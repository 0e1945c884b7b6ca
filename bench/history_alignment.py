"""Offline: which clock the quick build should train on, measured on the Online Retail II time
split (one history; the last 20 % of its span is test). Prints figures; not a test.

    PYTHONPATH=. .venv/bin/python bench/history_alignment.py

- store clock: the rule of trainer/read_graph.py for one continuous history (ages, the time
  carve and recency weights count back from the store's latest event; aligning histories
  changes nothing here);
- per shopper: every shopper's events moved so that their own latest event is the end of the
  period (the alternative considered for stores with histories of different ages).
Each chooses Turbo-CF (recency decay included) and GF-CF on its own time carve as the quick
build does, builds the winner on all of train, and is scored on the same test pairs.
"""

from __future__ import annotations

import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from recmodel.numpy_eval import evaluate_dense
from trainer import turbo
from trainer.build_model import build_filter, choose_graph_filter
from trainer.data import TimedEvents, load_online_retail, time_carve

K = 20


def per_shopper(events: TimedEvents) -> TimedEvents:
    last = np.full(events.rows.max() + 1, -np.inf)
    np.maximum.at(last, events.rows, events.days)
    return replace(events, days=events.days + (events.end - last[events.rows]))


def run(name: str, data, events: TimedEvents) -> None:
    started = time.perf_counter()
    fit, valid, cut = time_carve(events, data.train.shape)
    gf = choose_graph_filter(fit, valid, K)
    tc = turbo.choose_turbo(fit, valid, events, cut, K)
    if tc.val[f"recall@{K}"] >= gf.val[f"recall@{K}"]:
        winner = f"Turbo-CF {tc.manifest()}"
        factors = turbo.build_turbo(data.train, tc, events)
    else:
        winner = f"GF-CF {gf.params}"
        factors = build_filter(data.train, gf.params)
    test = evaluate_dense(lambda u: factors.scores(data.train[u]), data.test, data.train, K)
    print(f"{name}: validation GF-CF {gf.val[f'recall@{K}']:.4f}, Turbo-CF "
          f"{tc.val[f'recall@{K}']:.4f}; chosen {winner}; test Recall@20 "
          f"{test[f'recall@{K}']:.4f}, NDCG@20 {test[f'ndcg@{K}']:.4f} "
          f"({time.perf_counter() - started:.0f} s)", flush=True)


def main() -> None:
    data = load_online_retail()
    pop = np.asarray(data.train.sum(axis=0)).ravel().astype(np.float32)
    base = evaluate_dense(lambda u: np.broadcast_to(pop, (len(u), len(pop))), data.test,
                          data.train, K)
    print(f"{data.summary()}; popularity test Recall@20 {base[f'recall@{K}']:.4f}", flush=True)
    assert data.train_events is not None
    run("store clock", data, data.train_events)
    run("per shopper", data, per_shopper(data.train_events))


if __name__ == "__main__":
    main()
