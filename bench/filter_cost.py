"""Where a graph filter's CPU goes, old and new side by side in one process.

    .venv/bin/python bench/filter_cost.py                     # Gowalla, 1,024 users
    .venv/bin/python bench/filter_cost.py --dataset lastfm --users 512

Three pairs, each timed on the same inputs (process CPU seconds, 1 thread):
- scoring users with BSPM (linear order 5, sharpened ideal term): the ideal term
  propagated per user (before) vs its item factor Q_t built once at fit (now);
- the eigenvector iteration's orthonormalization: Householder QR vs Cholesky QR;
- one search chunk of BSPM candidates: a temporary per coefficient and a strided
  top-k on item-major scores (before) vs one weighted sum per term over stacked
  user-major bases and a row top-k (now).
Each pair also reports the largest score difference, which should be float noise.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from trainer.data import SHARED_DATA, load_gowalla, load_lastfm
from trainer.filters.base import FittedFilter
from trainer.filters.bspm import BSPM
from trainer.filters.propagation import FilterGraph, apply_terms, orthonormal
from trainer.filters.search import ChunkBases, basis_key, scores_of, topk_user_major


def cpu(fn):
    c0 = time.process_time()
    out = fn()
    return out, time.process_time() - c0


def old_chunk(graph, x, eig, terms_list, seen):
    """The search's per-candidate scoring before: item-major bases as lists."""
    cache: dict = {}
    tops = []
    for terms in terms_list:
        out = None
        for t in terms:
            key = basis_key(t)
            if key not in cache or len(cache[key]) <= t.order:
                z = x * graph.degree_power(-t.pre)
                if t.ideal_dim:
                    v = eig[:, : t.ideal_dim]
                    z = (v @ (v.T @ z)) * graph.degree_power(t.mid)
                cache[key] = graph.chebyshev(z, t.order, t.graph)
            acc = sum(float(c) * cache[key][k] for k, c in enumerate(t.cheb))
            acc = graph.degree_power(t.post) * acc
            out = acc if out is None else out + acc
        tops.append(topk_user_major(out.T, seen, 20))
    return tops


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dataset", choices=["gowalla", "lastfm"], default="gowalla")
    p.add_argument("--users", type=int, default=1024)
    p.add_argument("--chunk", type=int, default=128)
    args = p.parse_args()
    warnings.filterwarnings("ignore")
    torch.set_num_threads(1)
    data = (load_gowalla if args.dataset == "gowalla" else load_lastfm)(SHARED_DATA / args.dataset)
    users = np.random.default_rng(0).choice(data.n_users, args.users, replace=False)
    graph = FilterGraph(data.train)
    f = BSPM(t_sharp=2.0, ideal_weight=0.2, ideal_dim=512)
    fitted, fit_s = cpu(lambda: FittedFilter.build(graph, f.terms(), f.label()))
    x = graph.rows(users)
    before, old_s = cpu(lambda: apply_terms(graph, f.terms(), x, fitted.eigvecs).T)
    now, new_s = cpu(lambda: fitted.score_users(users))
    diff = float((before - now).abs().max() / before.abs().max())
    print(f"{args.dataset}: {data.n_users} users, {data.n_items} items; BSPM fit {fit_s:.1f} s")
    print(f"score {args.users} users: per-user ideal {old_s:.1f} s, "
          f"ideal factor {new_s:.1f} s ({old_s / new_s:.2f}x), max rel diff {diff:.1e}")

    q = graph.step(torch.randn(data.n_items, 576, generator=torch.Generator().manual_seed(0)))
    qr, qr_s = cpu(lambda: torch.linalg.qr(q)[0])
    ch, ch_s = cpu(lambda: orthonormal(q))
    span = float((qr @ (qr.T @ ch) - ch).abs().max())
    print(f"orthonormalize {tuple(q.shape)}: QR {qr_s:.2f} s, Cholesky QR {ch_s:.2f} s "
          f"({qr_s / ch_s:.2f}x), span difference {span:.1e}")

    cands = [BSPM(t_sharp=t, ideal_weight=w, ideal_dim=d).terms()
             for t in (0.0, 1.0, 2.0, 2.5) for w in (0.2, 0.3) for d in (256, 512)]
    batch = users[: args.chunk]
    xb, seen = graph.rows(batch), graph.train[batch]
    old_top, old_c = cpu(lambda: old_chunk(graph, xb, fitted.eigvecs, cands, seen))

    def new_chunk():
        bases = ChunkBases(graph, xb, fitted.eigvecs)
        return [topk_user_major(scores_of(bases, terms), seen, 20) for terms in cands]

    new_top, new_c = cpu(new_chunk)
    same = np.mean([np.mean(a == b) for a, b in zip(old_top, new_top, strict=True)])
    print(f"search chunk ({len(batch)} users, {len(cands)} BSPM candidates): before {old_c:.1f} s,"
          f" now {new_c:.1f} s ({old_c / new_c:.2f}x), same top-20 ids {same:.4f}")


if __name__ == "__main__":
    main()
