"""A variant's strategy picks the scoring path of the recommendation service."""

from __future__ import annotations

from typing import Any

from app.experiments.definition import Strategy
from app.experiments.strategies import StrategyRunner
from app.recommend.schemas import ScoringMode, UserRecommendations
from app.recommend.schemas import Strategy as Served


class RecordingRecommendations:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    async def for_user(self, user_id: str, limit: int, category: str | None,
                       exclude_seen: bool, **kwargs: Any) -> UserRecommendations:
        self.calls.append(kwargs)
        return UserRecommendations(user_id=user_id, strategy=Served.gnn, personalized=True,
                                   items=[])


def _runner(recs: RecordingRecommendations) -> StrategyRunner:
    return StrategyRunner(recs, models=None, repository=None, popularity=None)  # type: ignore[arg-type]


async def test_static_variant_scores_static_and_live_variant_live() -> None:
    recs = RecordingRecommendations()
    runner = _runner(recs)
    await runner.run(Strategy(kind="model", live=False), "u", 5, None, True,
                     context_item="sku-1", mode=ScoringMode.live)
    await runner.run(Strategy(kind="model", live=True), "u", 5, None, True,
                     mode=ScoringMode.static)
    assert [c["mode"] for c in recs.calls] == [ScoringMode.static, ScoringMode.live]
    assert recs.calls[0]["context_item"] == "sku-1"


async def test_outside_an_experiment_the_callers_mode_is_kept() -> None:
    recs = RecordingRecommendations()
    await _runner(recs).run(None, "u", 5, None, True, mode=ScoringMode.static)
    assert recs.calls[0]["mode"] == ScoringMode.static
