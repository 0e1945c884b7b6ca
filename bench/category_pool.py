"""What a larger pool costs a `category=` list, and how many of its items it finds.

    .venv/bin/python bench/category_pool.py                  # 5,000 and 50,000 items
    .venv/bin/python bench/category_pool.py --items 4600 --categories 12

A synthetic identity-row model (a graph filter's: scores are the shopper's vector) whose
items sit in `--categories` categories, `--uncategorized` of them in none (an imported
catalogue's items have no category). For each pool size: the per-request time of the
serving steps the pool feeds (`rank`, the item-info cache lookup, the category filter),
median of `--repeats`, and how many items of one category the pool held for limit 20.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.recommend.item_info_cache import ItemInfoCache
from app.recommend.list_shaping import shape
from app.recommend.recommendation_repository import ItemInfo
from app.recommend.recommendation_service import CATEGORY_POOL, POOL_FACTOR
from recmodel.artifact_format import EmbeddingArtifact


def model_of(n: int) -> EmbeddingArtifact:
    ids = [f"i{k}" for k in range(n)]
    return EmbeddingArtifact("bench", {"item_vectors": "identity"},
                             np.zeros((1, n), np.float32), np.eye(n, dtype=np.float32),
                             ["u"], ids)


def run(n: int, categories: int, uncategorized: float, limit: int, repeats: int) -> None:
    rng = np.random.default_rng(7)
    model = model_of(n)
    cache = ItemInfoCache(300.0, 200_000)
    cats = rng.integers(0, categories, n)
    none = rng.random(n) < uncategorized
    cache.store({i: ItemInfo(i, i, None if none[k] else f"c{cats[k]}")
                 for k, i in enumerate(model.item_ids)})
    vector = rng.random(n).astype(np.float32)
    exclude = {f"i{k}" for k in rng.integers(0, n, 50)}
    print(f"{n:,} items, {categories} categories, {uncategorized:.0%} without one, "
          f"limit {limit}")
    for label, k in (("limit x POOL_FACTOR", limit * POOL_FACTOR),
                     ("CATEGORY_POOL", max(limit * POOL_FACTOR, CATEGORY_POOL)),
                     ("4 x CATEGORY_POOL", 4 * CATEGORY_POOL), ("every item", n)):
        times, found = [], 0
        for _ in range(repeats):
            start = time.perf_counter()
            pool = model.rank(vector, k, exclude)
            infos, _ = cache.lookup([i for i, _ in pool])
            ranked = [(infos[i], s) for i, s in pool]
            chosen = shape(ranked, limit, "c0", 0.5)
            times.append(time.perf_counter() - start)
            found = len(chosen)
        print(f"  {label:<20} pool {min(k, n):>6,}: {statistics.median(times) * 1e3:6.2f} ms, "
              f"{found:>2} of {limit} from the category")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, nargs="*", default=[5_000, 50_000])
    parser.add_argument("--categories", type=int, default=12)
    parser.add_argument("--uncategorized", type=float, default=0.5)
    parser.add_argument("--limit", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=50)
    args = parser.parse_args()
    for n in args.items:
        run(n, args.categories, args.uncategorized, args.limit, args.repeats)


if __name__ == "__main__":
    main()
