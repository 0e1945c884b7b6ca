"""Training speed: stock PyG LightGCN loop vs gnn's sparse-CSR loop, same data, same batches.

Stock = `torch_geometric` examples/lightgcn.py: `model(edge_index, edge_label_index)`
every batch (COO message passing with gcn_norm recomputed per call) and
`model.recommendation_loss`. Ours = `trainer.lightgcn.model.FastLightGCN` on the pre-normalized
symmetric CSR adjacency, one propagation per step, symmetric backward.

    .venv/bin/python bench/train_speed.py                 # 1 full epoch each on Gowalla
    .venv/bin/python bench/train_speed.py --steps 20      # time 20 batch steps each, extrapolate
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from torch_geometric.nn import LightGCN

from trainer.data import SHARED_DATA, load_gowalla, load_lastfm
from trainer.lightgcn.graph import edge_index, normalized_adjacency
from trainer.lightgcn.model import FastLightGCN, bpr_loss
from trainer.lightgcn.sampling import BPRSampler


def batches(sampler: BPRSampler, batch_size: int, epochs: int, steps: int | None, seed: int):
    gen = torch.Generator().manual_seed(seed)
    n = 0
    for _ in range(epochs):
        for b in sampler.epoch(batch_size, gen):
            if steps is not None and n >= steps:
                return
            n += 1
            yield b


def run_stock(data, sampler, args) -> dict:
    torch.manual_seed(args.seed)
    model = LightGCN(data.n_users + data.n_items, args.dim, args.layers)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    s0 = time.perf_counter()
    ei = edge_index(data.train)
    setup = time.perf_counter() - s0
    off, n, total = data.n_users, 0, 0.0
    t0, c0 = time.perf_counter(), time.process_time()
    for users, pos, neg in batches(sampler, args.batch_size, args.epochs, args.steps, args.seed):
        label = torch.cat([torch.stack([users, pos + off]), torch.stack([users, neg + off])], dim=1)
        opt.zero_grad()
        pos_rank, neg_rank = model(ei, label).chunk(2)
        loss = model.recommendation_loss(
            pos_rank, neg_rank, node_id=label.unique(), lambda_reg=args.weight_decay
        )
        loss.backward()
        opt.step()
        total += float(loss)
        n += 1
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {"setup": setup, "wall": wall, "cpu": cpu, "steps": n, "loss": total / max(n, 1)}


def run_ours(data, sampler, args) -> dict:
    torch.manual_seed(args.seed)
    model = FastLightGCN(data.n_users, data.n_items, args.dim, args.layers)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    s0 = time.perf_counter()
    adj = normalized_adjacency(data.train)  # once per training run
    setup = time.perf_counter() - s0
    off, n, total = data.n_users, 0, 0.0
    t0, c0 = time.perf_counter(), time.process_time()
    for users, pos, neg in batches(sampler, args.batch_size, args.epochs, args.steps, args.seed):
        final = model.get_embedding(adj)
        loss, _ = bpr_loss(
            final, model.embedding.weight, users, pos + off, neg + off, args.weight_decay
        )
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        total += float(loss)
        n += 1
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {"setup": setup, "wall": wall, "cpu": cpu, "steps": n, "loss": total / max(n, 1)}


def main() -> None:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--dataset", choices=["gowalla", "lastfm"], default="gowalla")
    p.add_argument(
        "--data", type=Path, default=None, help="dataset folder (default ../shared/data/<name>)"
    )
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--steps", type=int, default=None, help="time only this many batch steps")
    p.add_argument("--batch-size", type=int, default=8192, help="8192 = the PyG example's")
    p.add_argument("--dim", type=int, default=64)
    p.add_argument("--layers", type=int, default=3)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--weight-decay", type=float, default=1e-4)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--skip-stock", action="store_true")
    args = p.parse_args()
    warnings.filterwarnings("ignore")
    torch.set_num_threads(args.threads)
    loader = load_gowalla if args.dataset == "gowalla" else load_lastfm
    data = loader(args.data or SHARED_DATA / args.dataset)
    sampler = BPRSampler(data.train)
    steps_per_epoch = -(-len(sampler) // args.batch_size)
    print(f"{data.summary()}; batch {args.batch_size}, {steps_per_epoch} steps/epoch")

    results = {}
    runs = (
        ("ours (CSR, 1 propagation/step)", run_ours),
        ("stock PyG (COO edge_index/step)", run_stock),
    )
    for name, fn in runs:
        if args.skip_stock and name.startswith("stock"):
            continue
        r = fn(data, sampler, args)
        per_step = r["wall"] / r["steps"]
        results[name] = per_step * steps_per_epoch
        print(
            f"{name:32s} {r['steps']:4d} steps {r['wall']:7.1f} s wall {r['cpu']:7.1f} s CPU "
            f"{per_step * 1000:7.1f} ms/step {per_step * steps_per_epoch:7.1f} s/epoch "
            f"(setup {r['setup']:.1f} s, mean loss {r['loss']:.4f})",
            flush=True,
        )
    if len(results) == 2:
        ours, stock = results.values()
        print(f"speed-up (stock s/epoch / ours s/epoch): {stock / ours:.1f}x")


if __name__ == "__main__":
    main()
