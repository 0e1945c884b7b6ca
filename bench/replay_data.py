"""Online Retail II purchases in time order, the project's time split, and the models frozen
at a cut time (graph filter, LightGCN, popularity) for bench/replay.py."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

from trainer.data import binary_csr

ROOT = Path(__file__).resolve().parents[1]
RETAIL = Path("shared") / "data" / "online_retail_ii" / "online_retail_II_2009-2010.parquet"
# ../shared/data next to the checkout (a worktree may sit one level deeper).
DEFAULT_PATH = next((base / RETAIL for base in (ROOT.parent, ROOT.parent.parent)
                     if (base / RETAIL).is_file()), ROOT.parent / RETAIL)
CACHE = ROOT / ".cache" / "replay"
EPOCH = pd.Timestamp(0)


@dataclass
class Purchases:
    customer: np.ndarray  # str
    item: np.ndarray  # str
    ts_ms: np.ndarray  # int64
    invoice: np.ndarray  # str
    test_cut_ms: int  # the project's split: the last 20 % of the time span is test
    val_cut_ms: int  # the last 20 % of the train span: validation for serving choices


def load_purchases(path: Path = DEFAULT_PATH, test_fraction: float = 0.2) -> Purchases:
    """Same rows and split as trainer.data.load_online_retail, with times kept."""
    df = pd.read_parquet(path, columns=["Invoice", "StockCode", "Quantity", "InvoiceDate",
                                        "Customer ID"])
    df = df[(df["Quantity"] > 0) & df["Customer ID"].notna()]
    df = df[~df["Invoice"].astype(str).str.startswith("C")]
    ts = pd.to_datetime(df["InvoiceDate"])
    cut = ts.min() + (ts.max() - ts.min()) * (1.0 - test_fraction)
    val_cut = ts.min() + (cut - ts.min()) * (1.0 - test_fraction)
    order = np.argsort(ts.to_numpy(), kind="stable")
    ms = ((ts - EPOCH) // pd.Timedelta(milliseconds=1)).to_numpy()[order]
    return Purchases(
        customer=df["Customer ID"].astype(np.int64).astype(str).to_numpy()[order],
        item=df["StockCode"].astype(str).str.strip().str.upper().to_numpy()[order],
        ts_ms=ms, invoice=df["Invoice"].astype(str).to_numpy()[order],
        test_cut_ms=(cut - EPOCH) // pd.Timedelta(milliseconds=1),
        val_cut_ms=(val_cut - EPOCH) // pd.Timedelta(milliseconds=1))


@dataclass
class Snapshot:
    """Everything before a cut time: the graph a model frozen at that time was built on."""

    cut_ms: int
    user_ids: list[str]
    item_ids: list[str]
    train: sp.csr_matrix


def snapshot(p: Purchases, cut_ms: int) -> Snapshot:
    before = p.ts_ms < cut_ms
    users, u = np.unique(p.customer[before], return_inverse=True)
    items, i = np.unique(p.item[before], return_inverse=True)
    return Snapshot(cut_ms, [str(x) for x in users], [str(x) for x in items],
                    binary_csr(u, i, (len(users), len(items))))


def lightgcn_vectors(snap: Snapshot, minutes: float, seed: int = 2020
                     ) -> tuple[np.ndarray, np.ndarray, dict]:
    """LightGCN trained on the snapshot (validation carved out of it), cached on disk."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"lightgcn-{snap.cut_ms}-{int(minutes * 60)}s-{seed}.npz"
    if path.is_file():
        z = np.load(path, allow_pickle=False)
        return z["user"], z["item"], {"cached": str(path), "cpu_s": float(z["cpu_s"])}
    from trainer.data import Interactions
    from trainer.lightgcn.train import TrainConfig, train_lightgcn

    data = Interactions("online_retail_replay", snap.train,
                        sp.csr_matrix(snap.train.shape, dtype=np.float32),
                        snap.user_ids, snap.item_ids)
    started = time.process_time()
    res = train_lightgcn(data, TrainConfig(max_seconds=minutes * 60, seed=seed))
    cpu = time.process_time() - started
    np.savez(path, user=res.user_emb, item=res.item_emb, cpu_s=cpu)
    return res.user_emb, res.item_emb, {"best_epoch": res.best_epoch, "cpu_s": cpu,
                                        "val": res.val.as_dict()}


if __name__ == "__main__":  # pre-train both frozen LightGCN models (val cut, test cut)
    import sys

    minutes = float(sys.argv[1]) if len(sys.argv) > 1 else 4.0
    purchases = load_purchases()
    for cut in (purchases.val_cut_ms, purchases.test_cut_ms):
        snap = snapshot(purchases, cut)
        _, _, info = lightgcn_vectors(snap, minutes)
        print(cut, snap.train.shape, snap.train.nnz, info, flush=True)
