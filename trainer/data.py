"""Interaction datasets as sparse user x item matrices, plus the loaders we benchmark on.

Every loader returns an `Interactions`: a binary train matrix, a binary test matrix
(may be empty) and the external id of every row and column, so the trainer, the
evaluation and the artifact writer all speak one shape.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import scipy.sparse as sp

SHARED_DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"


@dataclass
class TimedEvents:
    """Every training event (repeats included) on the train id space; `end` is the end of
    the training period (the split time), all in days since the epoch."""

    rows: np.ndarray
    cols: np.ndarray
    days: np.ndarray
    end: float


@dataclass
class Interactions:
    """Train/test interactions on one id space; rows are users, columns items."""

    name: str
    train: sp.csr_matrix
    test: sp.csr_matrix
    user_ids: list[str]
    item_ids: list[str]
    # Optional per-interaction weights aligned with `train` (e.g. from the graph export).
    train_weight: sp.csr_matrix | None = None
    meta: dict = field(default_factory=dict)
    # Time-stamped training events (row, column, days since the epoch), where the data has
    # them: a time-based validation carve and recency weights (`trainer.filters.recency`).
    train_events: TimedEvents | None = None

    @property
    def n_users(self) -> int:
        return self.train.shape[0]

    @property
    def n_items(self) -> int:
        return self.train.shape[1]

    def summary(self) -> str:
        return (
            f"{self.name}: {self.n_users} users, {self.n_items} items, "
            f"{self.train.nnz} train, {self.test.nnz} test"
        )


def binary_csr(rows: np.ndarray, cols: np.ndarray, shape: tuple[int, int]) -> sp.csr_matrix:
    """Deduplicated 0/1 CSR matrix from coordinate lists."""
    m = sp.csr_matrix(
        (np.ones(len(rows), dtype=np.float32), (rows.astype(np.int64), cols.astype(np.int64))),
        shape=shape,
    )
    m.sum_duplicates()
    m.data[:] = 1.0
    return m


# The validation period of a time carve: the same share of the training span as the test
# period has of the whole (the last 20 % of the span is test, so 0.2 / 0.8 of train).
VAL_FRACTION = 0.25


def time_carve(events: TimedEvents, shape: tuple[int, int],
               fraction: float = VAL_FRACTION) -> tuple[sp.csr_matrix, sp.csr_matrix, float]:
    """(fit, valid, start): fit = pairs bought before `start`, the last `fraction` of the
    training period; valid = pairs first bought from `start` on, new to the user, for
    users and items that the fit graph has."""
    begin, end = float(events.days.min()), events.end
    start = end - (end - begin) * fraction
    early = events.days < start
    fit = binary_csr(events.rows[early], events.cols[early], shape)
    late = ~early
    valid = binary_csr(events.rows[late], events.cols[late], shape)
    valid = sp.csr_matrix(valid - valid.multiply(fit))
    known_u = np.diff(fit.indptr) > 0
    known_i = np.asarray(fit.sum(axis=0)).ravel() > 0
    valid = sp.csr_matrix(sp.diags(known_u.astype(np.float32)) @ valid
                          @ sp.diags(known_i.astype(np.float32)))
    valid.eliminate_zeros()
    return fit, valid, start


def _read_adjacency_lists(path: Path) -> tuple[np.ndarray, np.ndarray]:
    users: list[np.ndarray] = []
    items: list[np.ndarray] = []
    with path.open() as fh:
        for line in fh:
            parts = line.split()
            if len(parts) < 2:  # users with no items in this file
                continue
            ids = np.asarray(parts, dtype=np.int64)
            users.append(np.full(len(ids) - 1, ids[0]))
            items.append(ids[1:])
    return np.concatenate(users), np.concatenate(items)


def load_gowalla(folder: Path | str = SHARED_DATA / "gowalla") -> Interactions:
    """LightGCN-paper Gowalla split: `uid item item ...` per line, ids from 0."""
    folder = Path(folder)
    tr_u, tr_i = _read_adjacency_lists(folder / "train.txt")
    te_u, te_i = _read_adjacency_lists(folder / "test.txt")
    n_users = int(max(tr_u.max(), te_u.max())) + 1
    n_items = int(max(tr_i.max(), te_i.max())) + 1
    shape = (n_users, n_items)
    return Interactions(
        name="gowalla",
        train=binary_csr(tr_u, tr_i, shape),
        test=binary_csr(te_u, te_i, shape),
        user_ids=[str(i) for i in range(n_users)],
        item_ids=[str(i) for i in range(n_items)],
    )


def _read_triples(path: Path) -> tuple[np.ndarray, np.ndarray]:
    # The count column may be written as a float ("3.2466e+05"); only ids matter here.
    arr = np.loadtxt(path, dtype=np.int64, delimiter="\t", ndmin=2, usecols=(0, 1))
    return arr[:, 0] - 1, arr[:, 1] - 1  # files count from 1


def load_lastfm(folder: Path | str = SHARED_DATA / "lastfm") -> Interactions:
    """LastFM (LightGCN-PyTorch split): tab separated `user item count`, ids from 1."""
    folder = Path(folder)
    tr_u, tr_i = _read_triples(folder / "data1.txt")
    te_u, te_i = _read_triples(folder / "test1.txt")
    n_users = int(max(tr_u.max(), te_u.max())) + 1
    n_items = int(max(tr_i.max(), te_i.max())) + 1
    shape = (n_users, n_items)
    train = binary_csr(tr_u, tr_i, shape)
    test = binary_csr(te_u, te_i, shape)
    test = test - test.multiply(train)  # the split keeps them apart; be sure
    test.eliminate_zeros()
    return Interactions(
        name="lastfm",
        train=train,
        test=sp.csr_matrix(test),
        user_ids=[str(i + 1) for i in range(n_users)],
        item_ids=[str(i + 1) for i in range(n_items)],
    )


def index_ids(values: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Dense row numbers for string ids, in sorted id order (stable across runs)."""
    uniq, inverse = np.unique(values.astype(str), return_inverse=True)
    return inverse.astype(np.int64), [str(v) for v in uniq]


def load_online_retail(
    path: Path | str = SHARED_DATA / "online_retail_ii" / "online_retail_II_2009-2010.parquet",
    test_fraction: float = 0.2,
) -> Interactions:
    """Online Retail II purchases with a time split: the last `test_fraction` of the
    time span is test. Real purchases only (quantity > 0, known customer, invoice
    not a cancellation). Test keeps only pairs new to the customer, for users and
    items seen in train: recommending what was already bought is not the task."""
    import pandas as pd  # only this loader needs pandas

    df = pd.read_parquet(
        path, columns=["Invoice", "StockCode", "Quantity", "InvoiceDate", "Customer ID"]
    )
    df = df[(df["Quantity"] > 0) & df["Customer ID"].notna()]
    df = df[~df["Invoice"].astype(str).str.startswith("C")]
    ts = pd.to_datetime(df["InvoiceDate"])
    cut = ts.min() + (ts.max() - ts.min()) * (1.0 - test_fraction)
    customers = df["Customer ID"].astype(np.int64).astype(str).to_numpy()
    items = df["StockCode"].astype(str).str.strip().str.upper().to_numpy()
    is_train = (ts < cut).to_numpy()
    u, user_ids = index_ids(customers[is_train])
    i, item_ids = index_ids(items[is_train])
    shape = (len(user_ids), len(item_ids))
    train = binary_csr(u, i, shape)
    # Map test rows onto the train id space; unknown users/items cannot be ranked.
    u_pos = {v: k for k, v in enumerate(user_ids)}
    i_pos = {v: k for k, v in enumerate(item_ids)}
    te_u = np.array([u_pos.get(c, -1) for c in customers[~is_train]])
    te_i = np.array([i_pos.get(c, -1) for c in items[~is_train]])
    keep = (te_u >= 0) & (te_i >= 0)
    test = binary_csr(te_u[keep], te_i[keep], shape)
    test = sp.csr_matrix(test - test.multiply(train))
    test.eliminate_zeros()
    day = pd.Timedelta(days=1)
    epoch = pd.Timestamp(0)
    days = ((ts[is_train] - epoch) / day).to_numpy(dtype=np.float64)
    return Interactions(
        name="online_retail_ii",
        train=train,
        test=test,
        user_ids=user_ids,
        item_ids=item_ids,
        meta={"split_time": cut.isoformat(), "snapshot_time": ts.max().isoformat()},
        train_events=TimedEvents(u, i, days, float((cut - epoch) / day)),
    )


def split_validation(
    train: sp.csr_matrix, fraction: float = 0.05, seed: int = 0
) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """Carve a validation set out of train: each interaction moves to validation with
    probability `fraction`; every user keeps at least one train item, and every user with
    two or more gets at least one validation item. Like the test splits (a share of every
    user's items), validation then counts every user, not mostly the heaviest ones: a
    per-interaction draw alone left light users out and favoured models that serve heavy
    users at light users' expense."""
    rng = np.random.default_rng(seed)
    coo = train.tocoo()
    rows, cols = coo.row, coo.col
    to_val = rng.random(len(rows)) < fraction
    # Each user's interactions, grouped, in random order within the user.
    shuffled = rng.permutation(len(rows))
    grouped = shuffled[np.argsort(rows[shuffled], kind="stable")]
    starts = np.flatnonzero(np.r_[True, np.diff(rows[grouped]) != 0])
    to_val[grouped[starts]] = False  # one kept train item per user
    second = starts + 1
    second = second[second < len(grouped)]
    second = second[rows[grouped[second]] == rows[grouped[second - 1]]]
    to_val[grouped[second]] = True  # one validation item per user with two or more
    shape = train.shape
    return binary_csr(rows[~to_val], cols[~to_val], shape), binary_csr(
        rows[to_val], cols[to_val], shape
    )


def synthetic(
    n_users: int = 60, n_items: int = 40, n_groups: int = 4, per_user: int = 6, seed: int = 0
) -> Interactions:
    """Tiny planted-block dataset for unit tests: users of group g interact only with
    items of group g, so a working recommender ranks the held-out in-group items first."""
    rng = np.random.default_rng(seed)
    user_group = np.arange(n_users) % n_groups
    item_group = np.arange(n_items) % n_groups
    rows, cols = [], []
    for u in range(n_users):
        pool = np.flatnonzero(item_group == user_group[u])
        chosen = rng.choice(pool, size=min(per_user, len(pool)), replace=False)
        rows.extend([u] * len(chosen))
        cols.extend(chosen.tolist())
    rows_a, cols_a = np.asarray(rows), np.asarray(cols)
    is_test = np.zeros(len(rows_a), dtype=bool)
    is_test[::per_user] = True  # one held-out item per user
    shape = (n_users, n_items)
    return Interactions(
        name="synthetic",
        train=binary_csr(rows_a[~is_test], cols_a[~is_test], shape),
        test=binary_csr(rows_a[is_test], cols_a[is_test], shape),
        user_ids=[f"u{u}" for u in range(n_users)],
        item_ids=[f"i{i}" for i in range(n_items)],
        meta={"user_group": user_group.tolist(), "item_group": item_group.tolist()},
    )
