"""build-model on a graph with event times (the Neo4j export carries them): the filter is
chosen on a time carve of the interactions, its graph is recency-weighted with the decay
chosen there, and the served artifact follows a store's moving taste."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from tests.trainer.helpers import load_current
from trainer.build_model import POLYNOMIAL, publish_graph_filter
from trainer.data import binary_csr
from trainer.read_graph import InteractionRows, rows_to_interactions

THEMES = 6
AS_OF = datetime(2026, 6, 1, tzinfo=UTC)
DAY_MS = 86_400_000


def moving_taste() -> tuple[InteractionRows, list[tuple[str, str, str]]]:
    """Theme j: item a_j was bought with b_j long ago (12 shoppers), with c_j lately (5),
    and 5 shoppers bought a_j, then c_j in the last quarter of the period. Over the whole
    history a_j is bought with b_j more often (12 against 10); lately with c_j."""
    rng = np.random.default_rng(0)
    end_ms = int(AS_OF.timestamp() * 1000)
    rows = InteractionRows([], [], [], [], [], AS_OF)

    def buy(user: str, item: str, lo: float, hi: float) -> None:
        t = end_ms - int((100 - rng.uniform(lo, hi)) * DAY_MS)  # day 100 is the snapshot
        rows.user_ids.append(user), rows.item_ids.append(item), rows.weights.append(1.0)
        rows.events.append(1), rows.last_ts_ms.append(t), rows.event_ms.append([t])

    themes = [(f"a{j}", f"b{j}", f"c{j}") for j in range(THEMES)]
    for j, (a, b, c) in enumerate(themes):
        for n in range(12):
            buy(f"old{j}-{n}", a, 0, 30), buy(f"old{j}-{n}", b, 0, 30)
        for n in range(5):
            buy(f"mid{j}-{n}", a, 55, 70), buy(f"mid{j}-{n}", c, 55, 70)
            buy(f"late{j}-{n}", a, 55, 70), buy(f"late{j}-{n}", c, 77, 100)
    return rows, themes


def test_export_rows_carry_every_event_time_on_the_train_ids():
    rows, _ = moving_taste()
    rows.event_ms[0] = [rows.event_ms[0][0] - DAY_MS, rows.event_ms[0][0]]  # a repeat
    data = rows_to_interactions(rows)
    ev = data.train_events
    assert ev is not None and len(ev.days) == len(rows.user_ids) + 1
    assert ev.end == AS_OF.timestamp() / 86_400
    assert (binary_csr(ev.rows, ev.cols, data.train.shape) != data.train).nnz == 0
    u, i = data.user_ids.index(rows.user_ids[0]), data.item_ids.index(rows.item_ids[0])
    days = np.sort(ev.days[(ev.rows == u) & (ev.cols == i)])
    np.testing.assert_allclose(days, np.array(rows.event_ms[0]) / DAY_MS)


def scores_for(art, item: str) -> dict[str, float]:
    live = art.history_vector([art.item_row[item]], [1.0]) @ art.item_emb.T
    return {iid: float(live[r]) for iid, r in art.item_row.items()}


def test_build_model_chooses_on_a_time_carve_and_serves_the_recent_taste(tmp_path):
    rows, themes = moving_taste()
    data = rows_to_interactions(rows)
    result = publish_graph_filter(data, tmp_path, families=(POLYNOMIAL,))
    art = load_current(tmp_path)
    assert result.promoted and art.family == POLYNOMIAL
    assert art.manifest["params"]["validation"] == result.validation == "time carve"
    entry = art.manifest["candidates"]["params"][POLYNOMIAL]
    assert entry["decay"]["tau"] is not None  # a decay won on the carve
    assert art.manifest["data"]["n_val"] == 5 * THEMES  # the late shoppers' c_j
    # A new shopper with a_j in the basket is offered what a_j is bought with lately.
    for a, b, c in themes:
        s = scores_for(art, a)
        assert s[c] > s[b], (a, s[b], s[c])


def test_without_event_times_build_model_keeps_the_random_carve(tmp_path):
    rows, themes = moving_taste()
    data = rows_to_interactions(rows)
    data.train_events = None
    publish_graph_filter(data, tmp_path, val_fraction=0.2, families=(POLYNOMIAL,))
    art = load_current(tmp_path)
    assert art.manifest["params"]["validation"] == "random carve"
    assert art.manifest["candidates"]["params"][POLYNOMIAL]["decay"] is None
    # The whole history, unweighted: a_j's old partner b_j still leads for most themes.
    assert sum(scores_for(art, a)[b] > scores_for(art, a)[c] for a, b, c in themes) > THEMES / 2

