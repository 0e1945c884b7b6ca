from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.trainer.helpers import shared_or_skip
from trainer.data import load_gowalla, load_lastfm, load_online_retail, split_validation


def test_synthetic_fixture_has_disjoint_train_and_test(tiny):
    assert tiny.train.shape == (60, 40)
    assert tiny.train.multiply(tiny.test).nnz == 0
    assert np.all(np.diff(tiny.test.indptr) == 1)  # one held-out item per user


def test_split_validation_is_a_partition_keeping_every_user(tiny):
    fit, val = split_validation(tiny.train, fraction=0.5, seed=1)
    assert fit.multiply(val).nnz == 0
    assert (fit + val - tiny.train).nnz == 0
    assert np.all(np.diff(fit.indptr) >= 1)
    assert val.nnz > 0


def test_split_validation_gives_every_user_with_two_items_a_validation_item(tiny):
    fit, val = split_validation(tiny.train, fraction=0.01, seed=2)
    counts = np.diff(tiny.train.indptr)
    assert np.all(np.diff(val.indptr)[counts >= 2] >= 1)
    assert np.all(np.diff(fit.indptr) >= 1)
    assert (fit + val - tiny.train).nnz == 0


def test_gowalla_loader_reads_adjacency_lists(tmp_path: Path):
    (tmp_path / "train.txt").write_text("0 0 1 2\n1 2\n2 3 1\n")
    (tmp_path / "test.txt").write_text("0 3\n1 0 1\n2\n")
    d = load_gowalla(tmp_path)
    assert (d.n_users, d.n_items) == (3, 4)
    assert d.train[0].indices.tolist() == [0, 1, 2]
    assert d.test[1].indices.tolist() == [0, 1]
    assert d.test[2].nnz == 0


def test_lastfm_loader_shifts_ids_from_one(tmp_path: Path):
    (tmp_path / "data1.txt").write_text("1\t1\t5\n1\t2\t3\n2\t3\t1\n")
    (tmp_path / "test1.txt").write_text("2\t1\t4\n")
    d = load_lastfm(tmp_path)
    assert (d.n_users, d.n_items) == (2, 3)
    assert d.train[0].indices.tolist() == [0, 1]
    assert d.test[1].indices.tolist() == [0]
    assert d.user_ids == ["1", "2"]


def test_online_retail_time_split_keeps_real_new_purchases(tmp_path: Path):
    rows = [
        # invoice, item, qty, date, customer
        ("1", "A", 1, "2010-01-01 10:00", 1.0),
        ("1", "B", 2, "2010-01-01 10:00", 1.0),
        ("2", "A", 1, "2010-01-02 10:00", 2.0),
        ("C3", "B", 1, "2010-01-03 10:00", 2.0),  # cancellation: ignored
        ("4", "C", -1, "2010-01-04 10:00", 2.0),  # negative quantity: ignored
        ("5", "C", 1, "2010-01-05 10:00", None),  # no customer: ignored
        ("6", "C", 1, "2010-01-06 10:00", 1.0),
        ("7", "B", 1, "2010-01-10 10:00", 2.0),  # test: new for customer 2
        ("7", "A", 1, "2010-01-10 10:00", 2.0),  # test but already bought: dropped
        ("8", "Z", 1, "2010-01-10 10:00", 1.0),  # test item unknown in train: dropped
    ]
    df = pd.DataFrame(
        rows, columns=["Invoice", "StockCode", "Quantity", "InvoiceDate", "Customer ID"]
    )
    df["Price"] = 1.0
    path = tmp_path / "retail.parquet"
    df.to_parquet(path)
    d = load_online_retail(path, test_fraction=0.2)
    assert d.user_ids == ["1", "2"] and d.item_ids == ["A", "B", "C"]
    assert d.train.nnz == 4  # (1,A) (1,B) (2,A) (1,C)
    assert d.test.nnz == 1 and d.test[1].indices.tolist() == [1]


@pytest.mark.parametrize(
    "name,loader,users,items,train,test",
    [
        ("gowalla", load_gowalla, 29858, 40981, 810128, 217242),
        ("lastfm", load_lastfm, 1880, 4489, 42135, 10533),
    ],
)
def test_shared_datasets_match_their_readme(name, loader, users, items, train, test):
    d = loader(shared_or_skip(name))
    both = d.train + d.test
    # Ids are used as row numbers; LastFM skips a few user ids, so count users with data.
    assert (int((np.diff(both.indptr) > 0).sum()), int((both.getnnz(axis=0) > 0).sum())) == (
        users,
        items,
    )
    assert (d.train.nnz, d.test.nnz) == (train, test)
    assert d.train.multiply(d.test).nnz == 0
