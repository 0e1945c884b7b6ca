import re
from datetime import UTC, datetime

import numpy as np

from trainer.read_graph import (
    DEFAULT_TYPE_WEIGHTS,
    ExportSettings,
    InteractionRows,
    load_query,
    query_params,
    rows_to_interactions,
)


def test_query_is_parameterized_and_consent_gated():
    q = load_query()
    for param in ("$purpose", "$types", "$weights", "$as_of", "$since", "$half_life_s"):
        assert param in q
    assert "CONSENTED" in q and "'granted'" in q
    assert not re.search(
        r"\{[a-z_]+\}", q.replace("{name: $purpose}", "")
    )  # no format placeholders


def test_query_params_carry_weights_window_and_half_life():
    as_of = datetime(2026, 1, 31, tzinfo=UTC)
    p = query_params(ExportSettings(half_life_days=10, window_days=30), as_of)
    assert p["purpose"] == "personalization"
    assert "product_removed" not in p["types"] and "order_completed" in p["types"]
    assert p["weights"]["order_completed"] == DEFAULT_TYPE_WEIGHTS["order_completed"]
    assert p["half_life_s"] == 10 * 86400
    assert p["since"] == datetime(2026, 1, 1, tzinfo=UTC)
    assert query_params(ExportSettings(window_days=None), as_of)["since"] is None


def test_rows_become_sorted_ids_binary_train_and_weights():
    rows = InteractionRows(
        user_ids=["b", "a", "a", "c"],
        item_ids=["x", "y", "x", "y"],
        weights=[3.0, 1.0, 0.5, 2.0],
        events=[1, 1, 1, 2],
        last_ts_ms=[1_700_000_000_000, 1_700_000_100_000, 1_700_000_000_000, 1_600_000_000_000],
        as_of=datetime(2026, 1, 1, tzinfo=UTC),
    )
    d = rows_to_interactions(rows)
    assert d.user_ids == ["a", "b", "c"] and d.item_ids == ["x", "y"]
    np.testing.assert_array_equal(d.train.toarray(), [[1, 1], [1, 0], [0, 1]])
    np.testing.assert_allclose(d.train_weight.toarray(), [[0.5, 1.0], [3.0, 0.0], [0.0, 2.0]])
    assert d.test.nnz == 0 and d.test.shape == (3, 2)
    assert d.meta["snapshot_time"].startswith("2023-11-14T22:")
    assert d.meta["events"] == 5
    dropped = rows_to_interactions(rows, min_user_items=2)
    assert dropped.user_ids == ["a"]


def test_empty_export_gives_an_empty_dataset():
    d = rows_to_interactions(InteractionRows([], [], [], [], [], datetime(2026, 1, 1, tzinfo=UTC)))
    assert d.train.shape == (0, 0) and d.meta["snapshot_time"] is None
