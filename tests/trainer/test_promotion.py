"""Honest promotion: the candidate and the serving model on the same split of the same export
(recmodel/promotion.py, trainer/build_model.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import scipy.sparse as sp

from recmodel.artifact import read_promotions, set_current, write_artifact
from recmodel.artifact_format import current_version
from recmodel.promotion import Split, judge, promote_judged, saw_validation
from tests.trainer.helpers import load_current
from trainer.build_model import publish_graph_filter
from trainer.read_graph import InteractionRows, rows_to_interactions

ITEMS = ["a", "b", "c", "d"]
CUT = datetime(2010, 6, 1, tzinfo=UTC)


def _split() -> Split:
    """u0 bought a, then c; u1 bought b, then d: the validation pairs are (u0, c), (u1, d)."""
    fit = sp.csr_matrix(np.array([[1, 0, 0, 0], [0, 1, 0, 0]], dtype=np.float32))
    valid = sp.csr_matrix(np.array([[0, 0, 1, 0], [0, 0, 0, 1]], dtype=np.float32))
    return Split(fit, valid, ["u0", "u1"], ITEMS, "time carve", CUT)


def _model(root, pairs: dict[str, str], seen_until: datetime, items=ITEMS, **manifest) -> str:
    """An artifact whose projection sends each history item to the item `pairs` names."""
    emb = np.eye(len(items), dtype=np.float32)
    proj = np.zeros_like(emb)
    for src, dst in pairs.items():
        proj[items.index(src)] = emb[items.index(dst)]
    path = write_artifact(root, np.zeros((1, len(items)), np.float32), emb, ["x"], list(items),
                          {"data_snapshot_time": seen_until.isoformat(), **manifest},
                          item_proj=proj)
    return path.name


def test_the_serving_model_is_scored_as_it_serves_on_the_candidates_split(tmp_path):
    split = _split()
    assert judge(tmp_path, 0.1, split).promote  # nothing promoted yet
    right = _model(tmp_path, {"a": "c", "b": "d"}, CUT - timedelta(days=1))
    set_current(tmp_path, right)
    refused = judge(tmp_path, 0.5, split, k=1)
    assert not refused.promote and refused.incumbent_score == 1.0
    assert refused.basis == "its artifact, as it serves" and "does not beat" in refused.reason
    candidate = _model(tmp_path, {}, CUT)
    assert promote_judged(tmp_path, candidate, refused, "test") == (False, refused.reason)
    assert current_version(tmp_path) == right
    wrong = _model(tmp_path, {"a": "d", "b": "c"}, CUT - timedelta(days=1))
    set_current(tmp_path, wrong)
    won = judge(tmp_path, 0.5, split, k=1)
    assert won.promote and won.incumbent_score == 0.0 and won.incumbent == wrong
    promoted, reason = promote_judged(tmp_path, candidate, won, "test")
    assert promoted and current_version(tmp_path) == candidate and "0.5000" in reason
    assert read_promotions(tmp_path)[-1] == {**read_promotions(tmp_path)[-1], "action": "build",
                                             "version": candidate, "previous": wrong}


def test_a_serving_model_that_saw_the_validation_period_stands_by_its_refitted_recipe(tmp_path):
    split = _split()
    leaky = _model(tmp_path, {"a": "c", "b": "d"}, CUT + timedelta(days=30), model="recipe")
    set_current(tmp_path, leaky)
    assert saw_validation({"data_snapshot_time": (CUT + timedelta(days=1)).isoformat()}, split)
    seen: list[dict] = []

    def refit(manifest: dict):
        seen.append(manifest)
        return lambda users: np.ones((len(users), 4), np.float32)  # a recipe that guesses

    j = judge(tmp_path, 0.5, split, refit, k=1)
    assert seen[0]["model"] == "recipe" and j.artifact_score == 1.0
    assert j.promote and j.incumbent_score < 0.5 and "refitted" in j.basis
    # no recipe to refit: the artifact's own figure stands, and the reason says it is favoured
    held = judge(tmp_path, 0.5, split, lambda manifest: None, k=1)
    assert not held.promote and "favours it" in held.basis
    # a random carve is the same period the serving model was built on
    assert saw_validation({"data_snapshot_time": "2000-01-01T00:00:00+00:00"},
                          Split(split.fit, split.valid, split.user_ids, ITEMS, "random carve"))


def test_shoppers_whose_items_the_serving_model_lacks_get_popularity_as_served(tmp_path):
    split = Split(sp.csr_matrix(np.array([[1, 0, 1, 0], [0, 1, 1, 0]], np.float32)),
                  sp.csr_matrix(np.array([[0, 0, 0, 0], [1, 0, 0, 0]], np.float32)),
                  ["u0", "u1"], ITEMS, "time carve", CUT)
    set_current(tmp_path, _model(tmp_path, {"z": "z"}, CUT - timedelta(days=1), items=["z"]))
    j = judge(tmp_path, 0.0, split, k=1)
    assert j.incumbent_score == 1.0  # u1's fallback: the most bought item not yet theirs is a


def _rows(groups: int, users_per_group: int, items_per_group: int, days: tuple[int, int],
          seed: int, prefix: str = "") -> InteractionRows:
    """Shoppers of group g buy 4 of its items, at days spread over `days` (day 0 = 2010-01-01)."""
    rng = np.random.default_rng(seed)
    start = datetime(2010, 1, 1, tzinfo=UTC)
    rows = InteractionRows([], [], [], [], [], start + timedelta(days=days[1]))
    for g in range(groups):
        for n in range(users_per_group):
            for item in rng.choice(items_per_group, size=4, replace=False):
                ms = int((start + timedelta(days=float(rng.uniform(*days)))).timestamp() * 1000)
                rows.user_ids.append(f"{prefix}g{g}-u{n}")
                rows.item_ids.append(f"{prefix}g{g}-i{item}")
                rows.weights.append(1.0), rows.events.append(1)
                rows.last_ts_ms.append(ms), rows.event_ms.append([ms])
    return rows


def _merge(*parts: InteractionRows) -> InteractionRows:
    out = InteractionRows([], [], [], [], [], max(p.as_of for p in parts))
    for p in parts:
        for name in ("user_ids", "item_ids", "weights", "events", "last_ts_ms", "event_ms"):
            getattr(out, name).extend(getattr(p, name))
    return out


def test_a_model_of_a_larger_graph_with_a_lower_figure_replaces_one_it_beats_on_the_same_split(
        tmp_path):
    """The old model's recorded figure comes from a small, easy graph; the grown store's
    candidate records a lower one, yet on the grown store's own split it is the better
    model, and it is promoted."""
    small = _rows(groups=2, users_per_group=40, items_per_group=6, days=(0, 50), seed=1)
    old = publish_graph_filter(rows_to_interactions(small), tmp_path, families=("graph_filter",))
    assert old.promoted
    grown = _merge(small, _rows(groups=8, users_per_group=40, items_per_group=30,
                                days=(0, 100), seed=2, prefix="new-"))
    new = publish_graph_filter(rows_to_interactions(grown), tmp_path, families=("graph_filter",))
    recorded_old = old.val["recall@20"]
    assert new.val["recall@20"] < recorded_old  # the figures of the two manifests
    j = new.judgement
    assert j is not None and j.split == "time carve" and j.incumbent == old.version
    assert j.basis == "its artifact, as it serves" and j.incumbent_score < j.candidate
    assert new.promoted and load_current(tmp_path).version == new.version
    art = load_current(tmp_path)
    assert art.manifest["promotion"]["incumbent_score"] == j.incumbent_score
    log = read_promotions(tmp_path)
    assert [e["version"] for e in log] == [old.version, new.version]
    assert log[-1]["previous"] == old.version and log[-1]["by"] == "build-model"


def test_when_the_serving_recipe_wins_it_is_refitted_on_todays_data_and_promoted(tmp_path):
    """The grown store's candidate (a poor rank-1 filter here) loses to the serving model's
    recipe refitted on the same fit part: what goes on serving is that recipe built on today's
    data, a new version holding today's items, not the stale artifact that knows none."""
    small = _rows(groups=2, users_per_group=40, items_per_group=6, days=(0, 100), seed=1)
    old = publish_graph_filter(rows_to_interactions(small), tmp_path, families=("graph_filter",))
    assert old.promoted
    grown = _merge(small, _rows(groups=8, users_per_group=40, items_per_group=30,
                                days=(0, 100), seed=2, prefix="new-"))
    data = rows_to_interactions(grown)
    new = publish_graph_filter(data, tmp_path, families=("graph_filter",), grid=((1, 0.0),))
    j = new.judgement
    assert j is not None and j.recipe_wins and not j.promote and "refitted" in j.basis
    assert j.incumbent == old.version and j.incumbent_score > j.candidate
    assert new.promoted and new.version != old.version
    served = load_current(tmp_path)
    assert served.version == new.version
    assert served.manifest["model"] == "graph_filter"
    assert served.manifest["params"]["rank"] == old.choice.params["rank"]
    assert served.manifest["params"]["alpha"] == old.choice.params["alpha"]
    assert served.manifest["metrics"]["val"]["recall@20"] == j.incumbent_score
    assert set(served.item_row) == set(data.item_ids)  # today's items, new ones included
    log = read_promotions(tmp_path)
    assert log[-1]["version"] == new.version and log[-1]["previous"] == old.version
    assert "recipe won" in log[-1]["reason"] and "refitted on today's data" in log[-1]["reason"]
    # the same export again: the refitted model already is that recipe on it, and is kept
    again = publish_graph_filter(data, tmp_path, families=("graph_filter",), grid=((1, 0.0),))
    assert not again.promoted and "same export: kept" in again.reason
    assert load_current(tmp_path).version == new.version


def test_a_serving_recipe_that_cannot_be_built_today_leaves_serving_to_the_candidate(tmp_path):
    """Turbo-CF is built densely up to turbo.MAX_ITEMS items: past it, the serving Turbo-CF
    recipe cannot be rebuilt, and the candidate (which covers today's items) is served."""
    from trainer import turbo

    small = _rows(groups=2, users_per_group=40, items_per_group=6, days=(0, 100), seed=1)
    old = publish_graph_filter(rows_to_interactions(small), tmp_path, families=("turbo_cf",))
    assert old.promoted and old.winner == "turbo_cf"
    grown = _merge(small, _rows(groups=8, users_per_group=40, items_per_group=30,
                                days=(0, 100), seed=2, prefix="new-"))
    data = rows_to_interactions(grown)
    limit = turbo.MAX_ITEMS
    turbo.MAX_ITEMS = data.n_items - 1
    try:
        new = publish_graph_filter(data, tmp_path, families=("graph_filter",), grid=((1, 0.0),))
    finally:
        turbo.MAX_ITEMS = limit
    assert new.promoted and load_current(tmp_path).version == new.version
    assert new.winner == "graph_filter"
    # the first clause says why a lower figure is promoted; the figures follow
    assert new.reason.startswith(
        f"promoted {new.version}: {old.version}'s recipe (turbo_cf) scored higher but cannot "
        f"be rebuilt on today's {data.n_items:,} items (Turbo-CF is built for at most "
        f"{data.n_items - 1:,} items), so the best recipe that can be built is served: "
        "recall@20 "), new.reason
    assert "does not beat" not in new.reason
