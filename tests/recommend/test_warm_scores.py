"""A shopper's scored pool is reused only while every input of the scoring is the same (pure:
a hand-made operator), and a storefront's repeated request gets the list a fresh scoring
gives, until an event changes it (the real graph, through the API)."""

from __future__ import annotations

from pathlib import Path

import httpx
import numpy as np
from prometheus_client import REGISTRY

from app.recommend.live_scoring import Scored, explain, score_shopper
from app.recommend.schemas import ScoringMode
from app.recommend.warm_scores import WarmScores
from recmodel.artifact_format import EmbeddingArtifact
from recmodel.live_history import ServingParams
from tests.recommend.conftest import event, publish, send
from tests.recommend.test_recommendations import recs, wait_for_version

ITEMS = ["a", "b", "c", "d", "e"]


def _operator(version: str = "v1") -> EmbeddingArtifact:
    p = np.array([[0.6, 0.3, 0.1, 0.0, 0.0], [0.2, 0.6, 0.0, 0.2, 0.0],
                  [0.1, 0.0, 0.6, 0.0, 0.3], [0.0, 0.2, 0.0, 0.6, 0.2],
                  [0.0, 0.0, 0.3, 0.2, 0.6]], dtype=np.float32)
    return EmbeddingArtifact(version, {"item_vectors": "identity", "model": "turbo_cf"},
                             np.zeros((0, 5), dtype=np.float32), np.eye(5, dtype=np.float32),
                             [], ITEMS, p)


class _Scorings:
    """score_shopper on a model and history, counting how often it runs."""

    def __init__(self) -> None:
        self.runs = 0

    def __call__(self, model: EmbeddingArtifact, history: list) -> Scored:
        self.runs += 1
        return score_shopper(model, "u", history, 10_000.0, ServingParams(), ScoringMode.live,
                             3, {h[0] for h in history})


KEY = ("u", "live", 3, True)


def test_the_pool_is_reused_only_while_every_input_is_the_same() -> None:
    warm, model, scorings = WarmScores(10, 300.0), _operator(), _Scorings()
    history = [("a", "product_viewed", 9_000), ("c", "order_completed", 5_000)]

    def score(key: tuple | None = KEY, hist: list = history,
              served: EmbeddingArtifact = model, blocked: int = 0, now: float = 10_000.0
              ) -> tuple[Scored, list[str]]:
        scored, reasons_for = warm.score(key, hist, served, blocked, now,
                                         lambda: scorings(served, hist), hist)
        return scored, reasons_for([i for i, _ in scored.pool])

    first, said = score()
    assert scorings.runs == 1
    again, again_said = score()
    assert scorings.runs == 1  # the same inputs: kept
    assert list(again.pool) == list(first.pool) and again.strategy == first.strategy
    # the reasons given from the kept pool are a fresh scoring's
    assert again_said == said == explain(model, first, [i for i, _ in first.pool], history)
    assert said[0].startswith("because you ")

    score(hist=list(history))  # equal content, but a history read again: scored
    assert scorings.runs == 2
    score(served=_operator())  # another model object (new version, fresh items): scored
    assert scorings.runs == 3
    score(served=model, blocked=1)  # the :NonProduct set changed: scored
    assert scorings.runs == 4
    score(key=None)  # an item on screen: scored and not kept
    assert scorings.runs == 5


def test_a_history_dated_after_now_is_scored_again() -> None:
    """The weights' anchor is the history's latest event unless that is later than now: a
    pool anchored on now is not kept, so once the clock passes the event the next request is
    scored on the event's anchor (then kept)."""
    warm, model, scorings = WarmScores(10, 300.0), _operator(), _Scorings()
    history = [("a", "product_viewed", 20_000), ("c", "order_completed", 5_000)]
    for now in (10_000.0, 10_000.0, 25_000.0, 26_000.0):
        warm.score(KEY, history, model, 0, now, lambda: scorings(model, history), history)
    assert scorings.runs == 3  # the last one reused the pool scored at 25,000


def test_nothing_is_kept_when_turned_off() -> None:
    warm, model, scorings = WarmScores(0, 300.0), _operator(), _Scorings()
    history = [("a", "product_viewed", 9_000)]
    for _ in range(2):
        warm.score(KEY, history, model, 0, 10_000.0, lambda: scorings(model, history), history)
    assert scorings.runs == 2


def _scores(source: str) -> float:
    return REGISTRY.get_sample_value("profilegraph_recommend_scores_total",
                                     {"source": source}) or 0.0


async def test_a_repeated_request_gets_the_list_a_new_event_changes(
    artifacts: Path, client: httpx.AsyncClient, admin_headers: dict[str, str], storefront: None
) -> None:
    await wait_for_version(client, publish(artifacts, favourite="i3", recall=0.2))
    first = await recs(client, admin_headers, "alice", limit=3)
    warm_before = _scores("warm")
    second = await recs(client, admin_headers, "alice", limit=3)
    assert _scores("warm") == warm_before + 1
    assert [(i["item_id"], i["reason"], i["score"]) for i in second["items"]] == [
        (i["item_id"], i["reason"], i["score"]) for i in first["items"]]
    assert second["strategy"] == first["strategy"] == "gnn_live"
    assert second["recommendation_id"] != first["recommendation_id"]

    # Alice buys the teapot: her next list is scored from the new history.
    await send(client, admin_headers, [event("alice", "Order Completed", "i3", days_ago=0)])
    scored_before = _scores("scored")
    third = await recs(client, admin_headers, "alice", limit=3)
    assert _scores("scored") == scored_before + 1
    assert "i3" not in [i["item_id"] for i in third["items"]]
