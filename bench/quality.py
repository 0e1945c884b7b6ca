"""Recommendation quality: LightGCN and baselines through one evaluation (Recall@20 /
NDCG@20 over all items, training items masked), with the CPU time of each model.

    .venv/bin/python bench/quality.py                           # lastfm + online_retail + gowalla
    .venv/bin/python bench/quality.py --datasets lastfm         # the fast check
    .venv/bin/python bench/quality.py --datasets gowalla --gowalla-minutes 120 --save /tmp/gnn-art
    .venv/bin/python bench/quality.py --datasets gowalla --lightgcn-artifact /tmp/gnn-art/<version>

Gowalla LightGCN needs hours of CPU to converge; `--save` keeps the trained
embeddings and `--lightgcn-artifact` re-evaluates them without retraining.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import scipy.sparse as sp
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from recmodel.artifact import write_artifact
from recmodel.artifact_format import load_artifact
from recmodel.factors import FilterFactors
from trainer.baselines import gfcf_scorer, itemknn_scorer, popularity_scorer
from trainer.build_model import publish_graph_filter
from trainer.data import (
    Interactions,
    load_gowalla,
    load_lastfm,
    load_online_retail,
    split_validation,
)
from trainer.factorize import factorize
from trainer.filters.bspm import BSPM
from trainer.filters.chebycf import ChebyCF
from trainer.filters.learned import LearnedBlend, select_learned_weight
from trainer.filters.recency import choose_recency, recency_weights, variants
from trainer.filters.select import Selection, select_filter
from trainer.filters.serving import (
    FULL_RANK_ITEMS,
    RANKS,
    filter_from_params,
    restrict_rows,
    validate_export,
)
from trainer.filters.timed import Trained, Trainer, choose_on_time_carve, fit_timed
from trainer.lightgcn.train import TrainConfig, embedding_scorer, train_lightgcn
from trainer.metrics import Metrics, evaluate

LOADERS = {"gowalla": load_gowalla, "lastfm": load_lastfm, "online_retail": load_online_retail}

# Settings per dataset (dim 64, 3 layers, weight decay 1e-4 everywhere); see docs/benchmarks-gnn.md.
CONFIGS = {
    "lastfm": TrainConfig(lr=2e-3, batch_size=2048, max_epochs=400, eval_every=5, patience=6),
    "online_retail": TrainConfig(
        lr=2e-3, batch_size=4096, max_epochs=300, eval_every=5, patience=6
    ),
    "gowalla": TrainConfig(lr=5e-3, batch_size=8192, max_epochs=2000, eval_every=5, patience=8),
}


def row(name: str, metrics, cpu: float, note: str = "") -> dict:
    return {
        "model": name,
        "recall@20": metrics.recall,
        "ndcg@20": metrics.ndcg,
        "cpu_s": cpu,
        "note": note,
    }


def timed(fn):
    c0 = time.process_time()
    out = fn()
    return out, time.process_time() - c0


def lightgcn_rows(data: Interactions, args, cfg: TrainConfig) -> list[dict]:
    if args.lightgcn_artifact and data.name == "gowalla":
        art = load_artifact(args.lightgcn_artifact, mmap=False)
        scorer = embedding_scorer(torch.from_numpy(art.user_emb), torch.from_numpy(art.item_emb))
        m, _ = timed(lambda: evaluate(scorer, data.test, data.train))
        tr = art.manifest.get("training", {})
        note = f"artifact {art.version}: best epoch {tr.get('best_epoch')}/{tr.get('epochs_run')}"
        return [row("LightGCN", m, float(tr.get("cpu_seconds", float("nan"))), note)]

    def log(e) -> None:
        if args.verbose and (e.val or e.epoch % 10 == 0):
            print(
                f"  [{data.name}] epoch {e.epoch} loss {e.loss:.4f} {e.seconds:.1f}s val {e.val}",
                flush=True,
            )

    res, cpu = timed(lambda: train_lightgcn(data, cfg, on_epoch=log))
    scorer = embedding_scorer(torch.from_numpy(res.user_emb), torch.from_numpy(res.item_emb))
    m = evaluate(scorer, data.test, data.train)
    note = f"best epoch {res.best_epoch}/{res.epochs_run}, val recall {res.val.recall:.4f}"
    if args.save:
        manifest = {
            "dataset": data.name,
            "params": vars(cfg),
            "metrics": {"val": res.val.as_dict(), "test": m.as_dict()},
            "training": {
                "best_epoch": res.best_epoch,
                "epochs_run": res.epochs_run,
                "cpu_seconds": round(cpu, 1),
                "wall_seconds": round(res.wall_seconds, 1),
                "history": [
                    {"epoch": h.epoch, "loss": h.loss, "val": h.val} for h in res.history if h.val
                ],
            },
        }
        path = write_artifact(
            args.save, res.user_emb, res.item_emb, data.user_ids, data.item_ids, manifest
        )
        note += f", saved {path}"
    out = [row("LightGCN", m, cpu, note)]
    if args.mf:
        mf_cfg = replace(cfg, num_layers=0)
        res, cpu = timed(lambda: train_lightgcn(data, mf_cfg, on_epoch=log))
        m = evaluate(
            embedding_scorer(torch.from_numpy(res.user_emb), torch.from_numpy(res.item_emb)),
            data.test,
            data.train,
        )
        out.append(
            row("MF-BPR (0 layers)", m, cpu, f"best epoch {res.best_epoch}/{res.epochs_run}")
        )
    return out


# Validation for the filter search, per dataset: small data gets several larger carves
# (LastFM's 5 % holds ~2,100 pairs); Gowalla one 5 % carve and 3,000 users (1,500 made the
# choice noisier than the family gaps; 3,000 keep the pipeline within 900 CPU-s).
FILTER_SEARCH = {
    "lastfm": {"folds": 3, "val_fraction": 0.1, "n_val_users": 5000},
    "online_retail": {"folds": 3, "val_fraction": 0.1, "n_val_users": 5000},

    "gowalla": {"folds": 1, "val_fraction": 0.05, "n_val_users": 3000},
}

# The published (test-tuned) Gowalla settings, for reference rows only (--published).
PUBLISHED = {
    "BSPM (published Gowalla setting)": BSPM(),
    "ChebyCF (published Gowalla setting)": ChebyCF(),
}


def filter_rows(data: Interactions, args) -> list[dict]:
    """Graph filters chosen on validation carved from train, refitted on all of train,
    then scored once on test. CPU s covers the whole pipeline: search, refit, test."""
    c0 = time.process_time()
    search = dict(FILTER_SEARCH[args.dataset_key])
    if args.filter_val_users:
        search["n_val_users"] = args.filter_val_users
    if args.selection_from:
        sel = saved_selection(args.selection_from)
    else:
        sel = select_filter(
            data.train,
            **search,
            max_steps=args.filter_max_steps,
            seed=args.seed,
            log=(lambda s: print(s, flush=True)) if args.verbose else (lambda _: None),
        )
    fitted = sel.chosen.fit(data.train, seed=args.seed)
    if args.selection_from:  # the exact filter's test figures are in the saved run
        saved = json.loads(args.selection_from.read_text())
        m = Metrics(saved["test"]["recall@20"], saved["test"]["ndcg@20"], 20,
                    saved["test"].get("users", 0))
        cpu = float(saved["cpu_s"])
    else:
        m = evaluate(fitted, data.test, data.train)
        cpu = time.process_time() - c0
    note = (
        f"val {sel.val_recall:.4f}/{sel.val_ndcg:.4f} on {sel.val_users} users "
        f"(search {sel.cpu_seconds:.0f} CPU-s): {sel.chosen.label()}"
    )
    rows = [row("graph filter (validation-chosen)", m, cpu, note)]
    if args.recency and data.train_events is not None:
        rows.extend(recency_rows(data, args, sel.chosen, cpu))
    factors = None
    if args.export:
        served, factors = served_row(data, args, sel.chosen, fitted, search, cpu)
        rows.append(served)
    if args.filter_lightgcn and data.name != "gowalla":  # Gowalla LightGCN: hours of CPU
        rows.extend(learned_rows(data, args, sel.chosen, fitted, cpu, factors))
    if args.save_selection:
        out = {"chosen": sel.chosen.label(), "params": sel.chosen.params(),
               "val": [sel.val_recall, sel.val_ndcg], "test": m.as_dict(), "cpu_s": cpu,
               "search_cpu_s": sel.cpu_seconds,
               "family_best": sel.family_best, "table": sel.table}
        args.save_selection.write_text(json.dumps(out, indent=1, default=str))
    if args.published and data.name == "gowalla":
        for name, f in PUBLISHED.items():
            m, cpu = timed(lambda f=f: evaluate(f.fit(data.train), data.test, data.train))
            rows.append(row(name, m, cpu, "test-tuned by its authors; reference only"))
    return rows


def recency_rows(data: Interactions, args, chosen, filter_cpu: float) -> list[dict]:
    """The chosen filter on a recency-weighted graph: decay, tau and the degree exponent
    chosen on a time carve of train (`trainer.filters.recency`), refitted on all of train with
    ages counted from the end of train, scored once on test; for small catalogues also its
    served factor form at full rank, which equals the filter."""
    c0 = time.process_time()
    log = (lambda s: print(s, flush=True)) if args.verbose else (lambda _: None)
    ev, shape = data.train_events, data.train.shape
    rc = choose_recency(ev, shape, variants(chosen), seed=args.seed, log=log)
    weights = recency_weights(ev, shape, rc.kind, rc.tau)
    fitted = rc.chosen.fit(data.train, seed=args.seed, weights=weights)
    m = evaluate(fitted, data.test, data.train)
    cpu = filter_cpu + time.process_time() - c0
    note = (f"time-carve val {rc.val['recall@20']:.4f}/{rc.val['ndcg@20']:.4f} on "
            f"{rc.val['users']} users (choice {rc.cpu_seconds:.0f} CPU-s): {rc.label()}")
    out = [row("graph filter, recency-weighted", m, cpu, note)]
    if data.n_items <= FULL_RANK_ITEMS:  # cheap here: one dense eigendecomposition
        factors = factorize(fitted.operator(), data.n_items, seed=args.seed)
        train = data.train.tocsr()
        m = evaluate(lambda u: factors.scores(train[u]), data.test, data.train)
        out.append(row("  same, served factor form (full rank)", m,
                       filter_cpu + time.process_time() - c0,
                       f"dim {factors.item_emb.shape[1]}"))
    return out


def lightgcn_trainer(data: Interactions, args) -> Trainer:
    """LightGCN for the time-carve pipeline: early stopping on the validation given, or a
    fixed number of epochs (the count chosen on the carve) on all of train."""
    cfg = replace(CONFIGS[args.dataset_key], threads=1, max_seconds=args.minutes * 60)

    def train(matrix: sp.csr_matrix, val, epochs: int | None) -> Trained:
        part = Interactions(data.name, matrix, sp.csr_matrix(matrix.shape), data.user_ids,
                            data.item_ids)
        if epochs is None:
            res = train_lightgcn(part, cfg, val=val)
            return Trained(res.user_emb, res.item_emb, res.best_epoch)
        n = max(epochs, 1)  # one evaluation, at the end, on no users: the last epoch is kept
        fixed = replace(cfg, max_epochs=n, eval_every=n, patience=1, max_seconds=None)
        res = train_lightgcn(part, fixed, val=(matrix, sp.csr_matrix(matrix.shape)))
        return Trained(res.user_emb, res.item_emb, n)

    return train


def timed_rows(data: Interactions, args) -> list[dict]:
    """Time-split data: family search, recency decay and (with --filter-lightgcn) the
    LightGCN share and epochs, all chosen on one time carve of train
    (`trainer.filters.timed`); refitted on all of train and scored once on test. CPU s covers
    that whole pipeline."""
    c0 = time.process_time()
    log = (lambda s: print(s, flush=True)) if args.verbose else (lambda _: None)
    trainer = lightgcn_trainer(data, args) if args.filter_lightgcn else None
    ev = data.train_events
    ch = choose_on_time_carve(ev, data.train.shape, trainer, max_steps=args.filter_max_steps,
                              seed=args.seed, log=log)
    c1 = time.process_time()
    fitted = fit_timed(data.train, ev, replace(ch, learned=None), seed=args.seed)
    m = evaluate(fitted, data.test, data.train)
    rc = ch.recency
    note = (f"time-carve val {rc.val['recall@20']:.4f}/{rc.val['ndcg@20']:.4f} "
            f"(search {ch.search.val_recall:.4f}): {rc.label()}")
    # CPU of the filter's own pipeline: its choices, refit and test (not the learned side).
    filter_cpu = ch.filter_cpu_seconds + time.process_time() - c1
    out = [row("filter, all chosen on the time carve", m, filter_cpu, note)]
    if ch.learned is not None:
        model = fit_timed(data.train, ev, ch, trainer, seed=args.seed)
        m = evaluate(model, data.test, data.train)
        note = (f"time-carve val {ch.learned.val.recall:.4f}/{ch.learned.val.ndcg:.4f}: "
                f"filter share {ch.learned.weight}, LightGCN {ch.epochs} epochs")
        out.append(row("  + LightGCN, chosen on the time carve", m,
                       time.process_time() - c0, note))
    if args.served:
        out.append(build_model_row(data))
    if args.save_selection:
        args.save_selection.with_suffix(".timed.json").write_text(json.dumps({
            "label": ch.label(), "search": ch.search.table, "family_best": ch.search.family_best,
            "recency": ch.recency.table,
            "share": ch.learned.table if ch.learned else None, "epochs": ch.epochs,
            "rows": out}, indent=1, default=str))
    return out


def build_model_row(data: Interactions) -> dict:
    """What `profilegraph build-model` serves from these training events: its own choice
    (GF-CF and the searched family on the time carve, decay, export rank), the artifact
    it writes, scored on test through the artifact's vectors. CPU s: that build alone."""
    c0 = time.process_time()
    part = Interactions(data.name, data.train, sp.csr_matrix(data.train.shape), data.user_ids,
                        data.item_ids, train_events=data.train_events)
    with tempfile.TemporaryDirectory() as tmp:
        res = publish_graph_filter(part, tmp)
        art = load_artifact(res.path, mmap=False)
        scorer = embedding_scorer(torch.from_numpy(np.asarray(art.user_emb)),
                                  torch.from_numpy(np.asarray(art.item_emb)))
        m = evaluate(scorer, data.test, data.train)
        entry = art.manifest["candidates"]["params"].get(res.winner, {})
    note = (f"{res.winner} on a {art.manifest['params']['validation']}, val "
            f"{res.val['recall@20']:.4f}: {entry.get('filter', entry)}, decay "
            f"{entry.get('decay')}, rank {entry.get('rank')}")
    return row("build-model artifact (served)", m, time.process_time() - c0, note)


def saved_selection(path: Path) -> Selection:
    """The filter a previous run chose (`--save-selection`), to score its served form
    without repeating the search; the search's CPU seconds come from the file."""
    saved = json.loads(path.read_text())
    label = saved["chosen"]
    family = label.split("(")[0].split("[")[0]
    chosen = filter_from_params(family, saved["params"])
    assert chosen.label() == label, (chosen.label(), label)
    return Selection(chosen, saved["val"][0], saved["val"][1], saved.get("family_best", {}),
                     cpu_seconds=float(saved.get("search_cpu_s", float("nan"))))


def served_row(data: Interactions, args, chosen, fitted, search: dict,
               filter_cpu: float) -> dict:
    """The chosen filter as the API serves it: factor form (P, Q) at the rank that scores
    best on the first validation carve (the search's users), rebuilt on all of train."""
    c0 = time.process_time()
    fit, val = split_validation(data.train, fraction=search["val_fraction"], seed=args.seed)
    has_val = np.flatnonzero(np.diff(val.tocsr().indptr) > 0)
    users = np.random.default_rng(args.seed).choice(
        has_val, size=min(search["n_val_users"], len(has_val)), replace=False)
    rank, val_m, exact, table = validate_export(
        chosen, fit, restrict_rows(val.tocsr(), users), tuple(args.export_ranks),
        seed=args.seed)
    if args.verbose:
        print(f"  exact on validation {exact}", flush=True)
        for r in table:
            print(f"  factor form {r}", flush=True)
    factors = factorize(fitted.operator(), rank, seed=args.seed)
    train = data.train.tocsr()
    m = evaluate(lambda u: factors.scores(train[u]), data.test, data.train)
    cpu = filter_cpu + time.process_time() - c0
    note = (f"rank {rank} (dim {factors.item_emb.shape[1]}) chosen on validation: "
            f"{val_m['recall@20']:.4f}/{val_m['ndcg@20']:.4f} vs exact "
            f"{exact['recall@20']:.4f}/{exact['ndcg@20']:.4f} on {val_m['users']} users")
    return row("graph filter, served factor form", m, cpu, note), factors


@dataclass
class FactorScorer:
    """The factor form where a blend expects a fitted filter: scores of training rows."""

    factors: FilterFactors
    train: sp.csr_matrix

    def score_users(self, users: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(self.factors.scores(self.train[users]))


def learned_rows(data: Interactions, args, chosen, fitted, filter_cpu: float,
                 factors: FilterFactors | None = None) -> list[dict]:
    """The chosen filter blended with LightGCN, the weight chosen on validation."""
    cfg = replace(CONFIGS[args.dataset_key], threads=1, max_seconds=args.minutes * 60)

    def train_embeddings(fit, val):
        part = Interactions(data.name, fit, sp.csr_matrix(fit.shape), data.user_ids, data.item_ids)
        res = train_lightgcn(part, cfg, val=val)
        return res.user_emb, res.item_emb

    c0 = time.process_time()
    sel = select_learned_weight(
        data.train, chosen, train_embeddings, val_fraction=0.05, seed=args.seed
    )
    user_emb, item_emb = train_embeddings(data.train, None)
    blend = LearnedBlend(
        fitted, torch.from_numpy(user_emb), torch.from_numpy(item_emb), sel.weight,
        sel.filter_scale, sel.emb_scale,
    )
    m = evaluate(blend, data.test, data.train)
    cpu = filter_cpu + time.process_time() - c0
    note = f"filter share {sel.weight} (val {sel.val.recall:.4f}/{sel.val.ndcg:.4f})"
    out = [row("graph filter + LightGCN (validation-chosen)", m, cpu, note)]
    if factors is not None:  # the same blend with the filter in its served form
        blend.filter = FactorScorer(factors, data.train.tocsr())
        m = evaluate(blend, data.test, data.train)
        out.append(row("served filter + LightGCN", m, time.process_time() - c0 + filter_cpu,
                       note))
    return out


def run_dataset(name: str, args) -> list[dict]:
    data = LOADERS[name](
        args.data_root / name
        if name != "online_retail"
        else args.data_root / "online_retail_ii" / "online_retail_II_2009-2010.parquet"
    )
    print(f"\n== {data.summary()}", flush=True)
    cfg = CONFIGS[name]
    minutes = {"gowalla": args.gowalla_minutes}.get(name, args.minutes)
    cfg = replace(
        cfg, max_seconds=minutes * 60 if minutes else None, threads=args.threads, init=args.init
    )
    if args.lr_decay is not None:
        cfg = replace(cfg, lr_decay_patience=args.lr_decay)
    if args.batch_size:
        cfg = replace(cfg, batch_size=args.batch_size)
    cfg = replace(cfg, stop_file=args.stop_file)
    if args.negatives:
        cfg = replace(cfg, negative_candidates=args.negatives)
    if args.gowalla_lr and name == "gowalla":
        cfg = replace(cfg, lr=args.gowalla_lr)
    if args.dim:
        cfg = replace(cfg, embedding_dim=args.dim)
    if args.weight_decay is not None:
        cfg = replace(cfg, weight_decay=args.weight_decay)
    rows: list[dict] = []
    m, cpu = timed(lambda: evaluate(popularity_scorer(data.train), data.test, data.train))
    rows.append(row("popularity", m, cpu))
    if args.baselines:
        m, cpu = timed(lambda: evaluate(itemknn_scorer(data.train), data.test, data.train))
        rows.append(row("item-kNN (cosine)", m, cpu))
    if args.gfcf and args.baselines:
        m, cpu = timed(
            lambda: evaluate(gfcf_scorer(data.train, k=args.gfcf_k), data.test, data.train)
        )
        rows.append(row(f"GF-CF (k={args.gfcf_k}, training-free)", m, cpu))
    args.dataset_key = name
    if args.time_carve and data.train_events is not None:
        rows.extend(timed_rows(data, args))
    elif args.filters:
        rows.extend(filter_rows(data, args))
    if args.lightgcn:
        rows.extend(lightgcn_rows(data, args, cfg))
    pop = rows[0]["recall@20"]
    print(f"{'model':34s} {'Recall@20':>10s} {'NDCG@20':>9s} {'CPU s':>9s} {'x pop':>6s}  note")
    for r in rows:
        ratio = r["recall@20"] / pop if pop else float("nan")
        metrics = f"{r['recall@20']:10.4f} {r['ndcg@20']:9.4f} {r['cpu_s']:9.1f} {ratio:6.2f}"
        print(f"{r['model']:34s} {metrics}  {r['note']}")
    return rows


def main() -> None:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument(
        "--datasets",
        nargs="+",
        default=["lastfm", "online_retail", "gowalla"],
        choices=list(LOADERS),
    )
    p.add_argument(
        "--data-root",
        type=Path,
        default=Path(__file__).resolve().parents[1] / ".." / "shared" / "data",
    )
    p.add_argument(
        "--minutes",
        type=float,
        default=10.0,
        help="LightGCN wall budget for lastfm / online_retail",
    )
    p.add_argument(
        "--gowalla-minutes", type=float, default=60.0, help="LightGCN wall budget for gowalla"
    )
    p.add_argument("--gowalla-lr", type=float, default=None)
    p.add_argument("--init", choices=["normal", "svd"], default="normal")
    p.add_argument(
        "--lightgcn-artifact", type=Path, default=None, help="evaluate saved gowalla embeddings"
    )
    p.add_argument("--save", type=Path, default=None, help="write LightGCN artifacts here")
    p.add_argument(
        "--baselines", action=argparse.BooleanOptionalAction, default=True, help="item-kNN, GF-CF"
    )
    p.add_argument("--gfcf", action=argparse.BooleanOptionalAction, default=True)
    p.add_argument("--lightgcn", action=argparse.BooleanOptionalAction, default=True)
    p.add_argument("--filters", action=argparse.BooleanOptionalAction, default=True,
                   help="graph filters chosen on validation (gnn/filters)")
    p.add_argument("--filter-val-users", type=int, default=None,
                   help="validation users per fold (default per dataset: FILTER_SEARCH)")
    p.add_argument("--filter-max-steps", type=int, default=10,
                   help="most P steps per user a chosen filter may cost (test/serving time)")
    p.add_argument("--filter-lightgcn", action=argparse.BooleanOptionalAction, default=True,
                   help="blend the chosen filter with LightGCN (not on Gowalla)")
    p.add_argument("--published", action="store_true",
                   help="also score the published BSPM / ChebyCF Gowalla settings on test")
    p.add_argument("--recency", action=argparse.BooleanOptionalAction, default=True,
                   help="also the chosen filter on a recency-weighted graph (time-stamped data)")
    p.add_argument("--time-carve", action="store_true",
                   help="time-stamped data: every choice on a time carve of train instead "
                   "(trainer.filters.timed); the filter, and its LightGCN blend")
    p.add_argument("--served", action="store_true",
                   help="with --time-carve: also build-model's artifact from train, on test")
    p.add_argument("--export", action=argparse.BooleanOptionalAction, default=True,
                   help="also score the chosen filter in the served factor form")
    p.add_argument("--export-ranks", type=int, nargs="+", default=list(RANKS),
                   help="eigenvectors per graph tried for the factor form (on validation)")
    p.add_argument("--selection-from", type=Path, default=None,
                   help="skip the search: use the filter a --save-selection file names")
    p.add_argument("--save-selection", type=Path, default=None,
                   help="write the filter search (every configuration's validation score)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--batch-size", type=int, default=None)
    p.add_argument("--stop-file", default=None, help="finish training when this file appears")
    p.add_argument("--lr-decay", type=int, default=None, help="halve lr after N evals without gain")
    p.add_argument("--gfcf-k", type=int, default=256)
    p.add_argument("--negatives", type=int, default=None,
                   help="negative candidates per pair (default 8; 1: uniform, as the paper)")
    p.add_argument("--dim", type=int, default=None, help="embedding size (default 64)")
    p.add_argument("--weight-decay", type=float, default=None, help="default 1e-4")
    p.add_argument("--mf", action="store_true", help="also train MF-BPR (LightGCN with 0 layers)")
    p.add_argument("--threads", type=int, default=None, help="default: 1 for small data, else 2")
    p.add_argument("--json", type=Path, default=None, help="write all rows as JSON")
    p.add_argument("-v", "--verbose", action="store_true")
    args = p.parse_args()
    warnings.filterwarnings("ignore")
    torch.set_num_threads(args.threads or 2)
    out = {name: run_dataset(name, args) for name in args.datasets}
    if args.json:
        args.json.write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
