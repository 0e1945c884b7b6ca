import re
from datetime import UTC, datetime

import numpy as np
import pytest

from trainer.data import time_carve
from trainer.read_graph import (
    DEFAULT_TYPE_WEIGHTS,
    ExportSettings,
    InteractionRows,
    RawRow,
    load_query,
    load_users_query,
    query_params,
    rows_to_interactions,
    weigh_rows,
)

DAY_MS = 86_400_000


def test_query_is_parameterized_and_consent_gated():
    q = load_query()
    for param in ("$user_ids", "$types", "$weights", "$until"):
        assert param in q
    users = load_users_query()
    for param in ("$purpose", "$after", "$limit"):
        assert param in users
    assert "CONSENTED" in users and "'granted'" in users and "ORDER BY user_id" in users
    assert not re.search(
        r"\{[a-z_]+\}", (q + users).replace("{name: $purpose}", "").replace("{user_id: id}", "")
    )  # no format placeholders


def test_query_params_carry_weights_and_the_cut_off():
    until = datetime(2026, 1, 31, tzinfo=UTC)
    p = query_params(ExportSettings(half_life_days=10, window_days=30), until)
    assert "product_removed" not in p["types"] and "order_completed" in p["types"]
    assert p["weights"]["order_completed"] == DEFAULT_TYPE_WEIGHTS["order_completed"]
    assert p["until"] == until


def _ms(dt: datetime) -> int:
    return int(dt.timestamp() * 1000)


def test_window_and_decay_count_back_from_the_latest_event_not_the_wall_clock():
    """A history that ended in December 2010 exports as if it ended this morning: the
    snapshot is its latest event, the 365-day window and the half-life count back from it."""
    last = datetime(2010, 12, 9, 12, tzinfo=UTC)
    raw = [RawRow("a", "x", [_ms(last)], [3.0]),
           RawRow("a", "y", [_ms(last) - 30 * DAY_MS, _ms(last) - 400 * DAY_MS], [1.0, 1.0]),
           RawRow("b", "y", [_ms(last) - 500 * DAY_MS], [2.0]),
           RawRow("c", "x", [_ms(last) - 200 * DAY_MS], [1.0])]  # one continuous history
    exported = datetime(2026, 1, 1, tzinfo=UTC)
    rows = weigh_rows(raw, ExportSettings(half_life_days=30, window_days=365), None, exported)
    assert rows.as_of == last and rows.exported_at == exported
    assert len(rows.histories) == 1 and rows.histories[0]["moved_days"] == 0
    # b's only event is outside the window: the row goes; y's 400-day-old event carries nothing
    assert list(zip(rows.user_ids, rows.item_ids, strict=True)) == [
        ("a", "x"), ("a", "y"), ("c", "x")]
    np.testing.assert_allclose(rows.weights, [3.0, 0.5, 2.0 ** (-200 / 30)])
    assert rows.events == [1, 1, 1]
    assert rows.event_ms[:2] == [[_ms(last)], [_ms(last) - 30 * DAY_MS]]
    data = rows_to_interactions(rows)
    assert data.meta["as_of"] == last.isoformat()
    assert data.meta["exported_at"] == exported.isoformat()
    # the time carve's period ends at the data's end, not at the export
    assert data.train_events is not None and data.train_events.end * 86_400 == last.timestamp()
    every = weigh_rows(raw, ExportSettings(window_days=None), None, exported)
    assert len(every.user_ids) == 4


def test_an_old_history_beside_a_new_one_trains_as_if_it_ended_with_it():
    """A 2010 import in a store that also holds this year's shop: the quiet years between
    them split the timeline; the old history moves forward to end with the new one, so
    neither the window nor the decay drops it, and inside it ages stay as they were."""
    old_end = datetime(2010, 12, 9, 12, tzinfo=UTC)
    new_end = datetime(2026, 12, 5, 8, tzinfo=UTC)
    raw = [RawRow("imported", "T1", [_ms(old_end)], [3.0]),
           RawRow("imported", "T2", [_ms(old_end) - 60 * DAY_MS], [3.0]),
           RawRow("imported2", "T1", [_ms(old_end) - 100 * DAY_MS], [3.0]),
           RawRow("demo", "sku-1", [_ms(new_end)], [1.0]),
           RawRow("demo", "sku-2", [_ms(new_end) - 60 * DAY_MS], [1.0]),
           RawRow("demo2", "sku-1", [_ms(new_end) - 90 * DAY_MS], [1.0])]
    rows = weigh_rows(raw, ExportSettings(half_life_days=30, window_days=365), None,
                      datetime(2026, 12, 5, 9, tzinfo=UTC))
    assert rows.as_of == new_end
    assert [(u, i) for u, i in zip(rows.user_ids, rows.item_ids, strict=True)] == [
        (r.user_id, r.item_id) for r in raw]  # nothing left out
    np.testing.assert_allclose(rows.weights, [3.0, 0.75, 3.0 * 2.0 ** (-100 / 30), 1.0, 0.25,
                                              0.125])
    moved = _ms(new_end) - _ms(old_end)
    assert rows.event_ms[0] == [_ms(new_end)] and rows.event_ms[2] == [
        _ms(old_end) - 100 * DAY_MS + moved]
    assert [h["last"][:4] for h in rows.histories] == ["2010", "2026"]
    assert rows.histories[0]["moved_days"] == round(moved / DAY_MS, 3)
    # the time carve's validation period holds the end of both histories
    data = rows_to_interactions(rows)
    _, valid, _ = time_carve(data.train_events, data.train.shape, fraction=0.5)
    valid_users = {data.user_ids[r] for r in valid.tocoo().row}
    assert valid_users == {"imported", "demo"}
    # the old rule (one clock for the whole store) kept only this year's shop
    one_clock = weigh_rows(raw, ExportSettings(half_life_days=30, window_days=365,
                                               history_gap_days=None), None, new_end)
    assert set(one_clock.user_ids) == {"demo", "demo2"}


def test_a_given_snapshot_time_leaves_later_events_out():
    at = datetime(2010, 6, 1, tzinfo=UTC)
    raw = [RawRow("a", "x", [_ms(at) - DAY_MS, _ms(at) + DAY_MS], [1.0, 1.0])]
    rows = weigh_rows(raw, ExportSettings(half_life_days=1), at, datetime(2026, 1, 1, tzinfo=UTC))
    assert rows.as_of == at and rows.events == [1]
    np.testing.assert_allclose(rows.weights, [0.5])
    empty = weigh_rows([], ExportSettings(), None, datetime(2026, 1, 1, tzinfo=UTC))
    assert empty.as_of == datetime(2026, 1, 1, tzinfo=UTC) and empty.user_ids == []


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


def test_a_page_that_times_out_is_read_again_in_halves_and_later_pages_stay_small():
    """The export's pages on a store whose page of 4 users outlasts the transaction timeout:
    read again as 2 + 2, and the next users in pages of 2, every row once."""
    from neo4j.exceptions import ClientError

    from trainer.export_pages import read_pages

    users = [f"u{n}" for n in range(7)]
    asked: list[list[str]] = []

    def users_after(after: str, limit: int) -> list[str]:
        return [u for u in users if u > after][:limit]

    def rows_of(part: list[str]) -> list[list]:
        asked.append(part)
        if len(part) > 2:
            exc = ClientError("timed out")
            exc.code = "Neo.ClientError.Transaction.TransactionTimedOutClientConfiguration"
            raise exc
        return [[u, "i", [1], [1.0]] for u in part]

    rows = [r[0] for page in read_pages(users_after, rows_of, 4) for r in page]
    assert rows == users
    assert asked == [["u0", "u1", "u2", "u3"], ["u0", "u1"], ["u2", "u3"], ["u4", "u5"], ["u6"]]


def test_other_errors_and_a_single_user_past_the_timeout_are_not_hidden():
    from neo4j.exceptions import ClientError

    from trainer.export_pages import read_pages

    def timeout(part: list[str]) -> list[list]:
        exc = ClientError("timed out")
        exc.code = "Neo.ClientError.Transaction.TransactionTimedOut"
        raise exc

    with pytest.raises(ClientError):
        list(read_pages(lambda after, n: ["u0", "u1"] if not after else [], timeout, 2))

    def broken(part: list[str]) -> list[list]:
        raise ValueError("not a timeout")

    with pytest.raises(ValueError):
        list(read_pages(lambda after, n: ["u0"] if not after else [], broken, 4))
