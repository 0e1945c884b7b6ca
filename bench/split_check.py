"""Does a benchmark's test split look like a random share of its training data?

Training stops on a validation set carved at random out of the training file; that is
only a guide to test metrics when the test file was drawn the same way. This ranks items
by their count in one random half of the training interactions and prints the share of
interactions on the k top items in the other half and in the test file. Under a random
split the two shares agree (both weight users by their activity); a higher test share
means the test file favours the most popular items.

    .venv/bin/python bench/split_check.py --datasets gowalla lastfm
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import numpy as np
import scipy.sparse as sp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from trainer.data import load_gowalla, load_lastfm

LOADERS = {"gowalla": load_gowalla, "lastfm": load_lastfm}


def item_counts(m: sp.csr_matrix) -> np.ndarray:
    return np.asarray(m.sum(axis=0)).ravel()


def check(name: str, root: Path, seed: int) -> None:
    data = LOADERS[name](root / name)
    print(f"\n== {data.summary()}")
    coo = data.train.tocoo()
    in_a = np.random.default_rng(seed).random(coo.nnz) < 0.5
    half_a = sp.csr_matrix((coo.data[in_a], (coo.row[in_a], coo.col[in_a])), shape=coo.shape)
    half_b = sp.csr_matrix((coo.data[~in_a], (coo.row[~in_a], coo.col[~in_a])), shape=coo.shape)
    ranking = np.argsort(-item_counts(half_a), kind="stable")
    other, test = item_counts(half_b), item_counts(data.test)
    print(f"{'top-k items':>12s} {'other-half share':>17s} {'test share':>11s} {'ratio':>6s}")
    for k in (20, 100, 1000):
        top = ranking[:k]
        b_share, t_share = other[top].sum() / other.sum(), test[top].sum() / test.sum()
        print(f"{k:12d} {b_share:17.4f} {t_share:11.4f} {t_share / b_share:6.2f}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--datasets", nargs="+", choices=sorted(LOADERS), default=["gowalla"])
    p.add_argument("--data-root", type=Path,
                   default=Path(__file__).resolve().parents[2] / "shared" / "data")
    p.add_argument("--seed", type=int, default=2020, help="seed of the random halving")
    args = p.parse_args()
    warnings.filterwarnings("ignore")
    for name in args.datasets:
        check(name, args.data_root, args.seed)


if __name__ == "__main__":
    main()
