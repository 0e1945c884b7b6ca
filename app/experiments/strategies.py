"""The one place a variant's strategy turns into a recommendation list.

Serves what recommendation serving offers: the promoted model, scored live (trained vector
plus the shopper's history read now) or static (trained vector only), and the popularity
list. Configurations it cannot honour (a pinned model version that is not the promoted one,
a diversity share) are refused when an experiment starts, never silently served as
something else.
"""

from __future__ import annotations

from collections.abc import Awaitable
from contextlib import AbstractAsyncContextManager

from app.experiments.definition import Strategy
from app.recommend.model_store import ModelStore
from app.recommend.popularity_service import PopularityService
from app.recommend.recommendation_repository import RecommendationRepository, UserContext
from app.recommend.recommendation_service import NOT_READ, NotRead, RecommendationService
from app.recommend.schemas import (
    FallbackReason,
    RecommendedItem,
    ScoringMode,
    UserRecommendations,
)
from app.recommend.schemas import Strategy as Served

HISTORY_LIMIT = 200


class StrategyCheck:
    """Whether serving can honour a strategy now (the app's and the CLI's model store)."""

    def __init__(self, models: ModelStore) -> None:
        self._models = models

    def unsupported(self, strategy: Strategy) -> str | None:
        """Why this configuration cannot be served now, or None."""
        if strategy.kind == "popular":
            return None
        if strategy.diversity_share is not None:
            return "a per-variant diversity share is not offered by recommendation serving yet"
        current = self._models.current
        if strategy.model_version is not None and (
                current is None or current.version != strategy.model_version):
            return f"model version {strategy.model_version!r} is not the promoted model"
        return None


class StrategyRunner:
    def __init__(self, recommendations: RecommendationService, models: ModelStore,
                 repository: RecommendationRepository, popularity: PopularityService) -> None:
        self._recommendations = recommendations
        self.check = StrategyCheck(models)
        self._repository = repository
        self._popularity = popularity

    def shopper(self, id_: str, experiment_id: str | None, audience: str | None
                ) -> AbstractAsyncContextManager[Awaitable[UserContext | None]]:
        """The shopper, read once for whichever strategy serves them (one round trip), with
        what enrollment in `experiment_id` needs; worked on inside the block, which yields
        them to come."""
        return self._recommendations.shopper(
            id_, max(self._recommendations.history_limit(), HISTORY_LIMIT), experiment_id,
            audience)

    async def run(self, strategy: Strategy | None, user_id: str, limit: int,
                  category: str | None, exclude_seen: bool, *, context_item: str | None = None,
                  mode: ScoringMode = ScoringMode.live,
                  context: UserContext | NotRead | None = NOT_READ) -> UserRecommendations:
        """The variant's strategy decides the scoring path; outside an experiment the
        caller's `mode` does. `context`: the shopper as `shopper` read them for this request."""
        if strategy is None or strategy.kind == "model":
            if strategy is not None:
                mode = ScoringMode.live if strategy.live else ScoringMode.static
            if isinstance(context, NotRead):  # as before: the service reads it
                return await self._recommendations.for_user(
                    user_id, limit, category, exclude_seen, context_item=context_item,
                    mode=mode)
            return await self._recommendations.for_user(
                user_id, limit, category, exclude_seen, context_item=context_item, mode=mode,
                context=context)
        return await self._popular(user_id, limit, category, exclude_seen, context)

    async def _popular(self, user_id: str, limit: int, category: str | None,
                       exclude_seen: bool, context: UserContext | NotRead | None
                       ) -> UserRecommendations:
        """The popularity control: what a non-personalized shopper sees, minus what this
        (consented, enrolled) shopper already bought, or saw when exclude_seen."""
        if isinstance(context, NotRead):
            ctx = await self._repository.user_context(user_id, HISTORY_LIMIT)
            excluded = ctx.excluded(exclude_seen) if ctx else set()
        else:
            # What that read returns: the shopper's items when consent was stated as granted.
            ctx = context
            excluded = (ctx.excluded(exclude_seen) if ctx and ctx.consent == "granted"
                        else set())
        popular = await self._popularity.popular(category, excluded)
        items = [RecommendedItem(item_id=p.item_id, score=p.score, title=p.title,
                                 category=p.category, reason=popular.reason)
                 for p in popular.items[:limit]]
        return UserRecommendations(user_id=ctx.user_id if ctx else user_id,
                                   strategy=Served.popular, personalized=False,
                                   fallback_reason=None if ctx else FallbackReason.unknown_user,
                                   items=items)
