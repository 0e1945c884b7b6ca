"""Recommendation rules: consent, live scoring, fallbacks, exclusions, diversity, reasons.

A personalized list is scored when the request arrives: the shopper's recent events, read
from the graph in the same round trip as their consent, are propagated through the promoted
model and combined with their trained vector when the model has one (`strategy` names the
path). A shopper with no usable history, without `personalization` consent, or unknown gets
popular items narrowed by what is known (page context, segments); without consent nothing of
their own history is read.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Sequence
from contextlib import AbstractAsyncContextManager

from app.core.config import Settings
from app.recommend.graph_neighbours import GraphNeighbours, Pick
from app.recommend.item_infos import ITEM_CACHE_TTL_S, ItemInfos
from app.recommend.list_shaping import Ranked, diversify, shape, top_up
from app.recommend.live_scoring import VIEWING_NOW, score_shopper
from app.recommend.model_store import ModelStore
from app.recommend.popular_fallback import PopularFallback
from app.recommend.popularity_service import PopularityService
from app.recommend.recommendation_repository import (
    Interaction,
    ItemInfo,
    RecommendationRepository,
    UserContext,
)
from app.recommend.schemas import (
    FallbackReason,
    RecommendedItem,
    ScoringMode,
    SimilarItems,
    Strategy,
    UserRecommendations,
)
from app.recommend.warm_scores import WarmScores
from recmodel.artifact_format import EmbeddingArtifact
from recmodel.live_history import ServingParams


class NotRead:
    """The shopper's context was not read for this request yet."""


NOT_READ = NotRead()
POOL_FACTOR = 5  # headroom for diversity capping
POOL_HEAD = 2  # x limit: the part of the pool whose item infos a list reads first
# With `category=` the filter drops most of the pool: rank this many (bench/category_pool.py).
CATEGORY_POOL = 500
SIMILAR_HEADROOM = 10  # for the items labelled :NonProduct since the model's build


class RecommendationService:
    def __init__(self, settings: Settings, repository: RecommendationRepository,
                 models: ModelStore, popularity: PopularityService) -> None:
        self._settings = settings
        self._warm_scores = WarmScores(settings.recs_warm_scores, ITEM_CACHE_TTL_S)
        self._repository = repository
        self._models = models
        self._popularity = popularity
        self._fallback = PopularFallback(popularity)
        self._neighbours = GraphNeighbours(repository, popularity)
        self._infos = ItemInfos(repository, models)
        self._items = self._infos.cache
        self._item_infos = self._infos.get
        self._no_model_params = ServingParams(history_limit=settings.recs_history_limit)
        # The serving parameters of the model last served: read from its manifest once.
        self._params_of: tuple[EmbeddingArtifact | None, ServingParams] = (
            None, self._no_model_params)

    def history_limit(self) -> int:
        """How many of a shopper's latest events the served model reads."""
        return self._params(self._models.current).history_limit

    def shopper(self, id_: str, history_limit: int | None = None,
                experiment_id: str | None = None, audience: str | None = None
                ) -> AbstractAsyncContextManager[Awaitable[UserContext | None]]:
        """The shopper as serving sees them, read in one round trip for the request that
        works on them inside the block, which yields them to come (see `for_user`'s
        `context`); with `experiment_id`, also what enrollment in it needs."""
        return self._repository.user_context_turn(
            id_, history_limit or self.history_limit(),
            opt_out=self._settings.consent_default == "opt_out",
            experiment_id=experiment_id, audience=audience)

    async def for_user(self, id_: str, limit: int, category: str | None = None,
                       exclude_seen: bool = True, *, context_item: str | None = None,
                       mode: ScoringMode = ScoringMode.live,
                       context: UserContext | NotRead | None = NOT_READ
                       ) -> UserRecommendations:
        """`context`: the shopper as `shopper` read them for this request (None: unknown),
        so the request makes one round trip; read here when not given."""
        if isinstance(context, NotRead):
            async with self.shopper(id_) as reading:
                return await self.for_user(id_, limit, category, exclude_seen,
                                           context_item=context_item, mode=mode,
                                           context=await reading)
        ctx = context
        model = self._models.current
        params = self._params(model)
        on_screen = await self._infos.info_of(context_item)
        if on_screen is not None and not on_screen.recommendable:
            on_screen, context_item = None, None  # postage on screen steers nothing
        context_category = on_screen.category if on_screen else None
        if ctx is None:
            return await self._popular_for(id_, limit, category, context_category,
                                           FallbackReason.unknown_user)
        if not self._consents(ctx):
            return await self._popular_for(ctx.user_id, limit, category, context_category,
                                           FallbackReason.no_consent)
        history = ctx.history[:params.history_limit]  # a context read for more than this
        excluded = ctx.excluded(exclude_seen)  # every item, not only the recent history's
        if model is None:
            return await self._popular_for(ctx.user_id, limit, category, context_category,
                                           FallbackReason.no_model, excluded, ctx.segments)
        history = self._recommendable(history)
        events = history  # (item_id, type, ts_ms, title) tuples, read by position
        now_ms = time.time() * 1000
        told = events
        if context_item is not None and history and mode is ScoringMode.live \
                and context_item in model.item_row:
            # The item on screen steers a history's list as a view made now, and is not
            # offered (without a history the list stays the popular one of its category).
            title = on_screen.title if on_screen else None
            events = [(context_item, "product_viewed", now_ms, title), *history]
            told = [(context_item, VIEWING_NOW, now_ms, title), *history]
            excluded = excluded | {context_item}
        pool = limit * POOL_FACTOR if category is None else max(limit * POOL_FACTOR,
                                                                CATEGORY_POOL)
        # Kept between a shopper's requests while every input is the same (warm_scores.py).
        scored, reasons_for = self._warm_scores.score(
            (ctx.user_id, mode.value, pool, exclude_seen) if told is history and ctx.history
            else None,
            ctx.history, model, self._items.unrecommendable_generation, now_ms,
            lambda: score_shopper(model, ctx.user_id, events, now_ms, params, mode, pool,
                                  excluded), told)
        if scored.strategy is None:  # a history the model cannot score: the live graph's
            picks = await self._neighbours.pick(
                ctx.user_id, history, excluded, limit * POOL_FACTOR, self._item_infos,
            ) if mode is ScoringMode.live else []  # static: the trained vector or nothing
            if picks:
                return await self._neighbour_list(ctx.user_id, picks, category, limit,
                                                  excluded)
            return await self._popular_for(ctx.user_id, limit, category, context_category,
                                           FallbackReason.cold_user, excluded, ctx.segments)
        chosen = await self._chosen(scored.pool, limit, category)
        said = reasons_for([info.item_id for info, _ in chosen])
        items = [
            RecommendedItem(item_id=info.item_id, score=score, title=info.title,
                            category=info.category, reason=reason)
            for (info, score), reason in zip(chosen, said, strict=True)
        ]
        items = await top_up(items, limit, category, excluded, self._popularity)
        return UserRecommendations(user_id=ctx.user_id, strategy=scored.strategy,
                                   personalized=True, model_version=model.version,
                                   model_family=model.family, items=items)

    async def _chosen(self, pool: Sequence[tuple[str, float]], limit: int,
                      category: str | None) -> Ranked:
        """The pool shaped into the list: its head first (the items a list usually takes),
        the whole pool only when the head does not fill it. Shaping takes items in pool
        order until the list is full, so a full list from the head is the whole pool's."""
        head = limit * POOL_HEAD if category is None else len(pool)
        for part in (pool[:head], pool) if len(pool) > head else (pool,):
            infos = await self._item_infos([item_id for item_id, _ in part])
            ranked = [(infos.get(i) or ItemInfo(i, None, None), s) for i, s in part]
            if self._items.unrecommendable:  # labelled :NonProduct since the model's build
                ranked = [(info, s) for info, s in ranked if info.recommendable]
            chosen = shape(ranked, limit, category, self._settings.recs_category_share)
            if len(chosen) >= limit:
                break
        return chosen

    async def _neighbour_list(self, user_id: str, picks: list[Pick], category: str | None,
                              limit: int, excluded: set[str]) -> UserRecommendations:
        reasons = {info.item_id: reason for info, _, reason in picks}
        ranked = [(info, score) for info, score, _ in picks]
        share = self._settings.recs_category_share
        items = [RecommendedItem(item_id=info.item_id, score=score, title=info.title,
                                 category=info.category, reason=reasons[info.item_id])
                 for info, score in shape(ranked, limit, category, share)]
        items = await top_up(items, limit, category, excluded, self._popularity)
        return UserRecommendations(user_id=user_id, strategy=Strategy.graph_neighbours,
                                   personalized=True, items=items)

    async def similar(self, item_id: str, limit: int) -> SimilarItems:
        model = self._models.current
        info = (await self._item_infos([item_id])).get(item_id)
        usable = info is None or info.recommendable  # postage is no item to be similar to
        if model is None or item_id not in model.item_row or not usable:
            category = info.category if info and usable else None
            popular = await self._popularity.popular(category, {item_id})
            chosen = popular.items[:limit]
            return SimilarItems(
                item_id=item_id, strategy=Strategy.popular, personalized=False,
                fallback_reason=FallbackReason.no_model if model is None
                else FallbackReason.unknown_item,
                items=[RecommendedItem(item_id=p.item_id, score=p.score, title=p.title,
                                       category=p.category, reason=popular.reason)
                       for p in chosen],
            )
        picks = model.similar(item_id, limit + SIMILAR_HEADROOM)
        infos = await self._item_infos([i for i, _ in picks] + [item_id])
        picks = [(i, s) for i, s in picks if _info(infos, i).recommendable][:limit]
        anchor = infos.get(item_id)
        reason = f"often chosen with {anchor.title}" if anchor and anchor.title else (
            "often chosen by the same customers")
        items = [
            RecommendedItem(item_id=i, score=s, title=_info(infos, i).title,
                            category=_info(infos, i).category, reason=reason)
            for i, s in picks
        ]
        return SimilarItems(item_id=item_id, strategy=Strategy.gnn, personalized=False,
                            model_version=model.version, model_family=model.family,
                            items=items)

    def _params(self, model: EmbeddingArtifact | None) -> ServingParams:
        if model is None:
            return self._no_model_params
        served, params = self._params_of
        if served is not model:
            params = ServingParams.from_manifest(model.manifest)
            self._params_of = (model, params)
        return params

    def items_changed(self, changes: list[tuple[str, bool | None]]) -> None:
        """Items this process's catalog API wrote (id, `recommendable` if given): seen now."""
        for item_id, recommendable in changes:
            self._items.changed(item_id, recommendable)

    def _recommendable(self, history: Sequence[Interaction]) -> Sequence[Interaction]:
        """Less the items labelled :NonProduct since the model built: no steering, no reason."""
        blocked = self._items.unrecommendable
        return [h for h in history if h[0] not in blocked] if blocked else history

    def _consents(self, ctx: UserContext) -> bool:
        if ctx.consent is None:
            return self._settings.consent_default == "opt_out"
        return ctx.consent == "granted"

    async def _popular_for(self, user_id: str, limit: int, category: str | None,
                           context_category: str | None, reason: FallbackReason,
                           excluded: set[str] | None = None,
                           segments: list[str] | None = None) -> UserRecommendations:
        pick = await self._fallback.pick(category=category, context_category=context_category,
                                         segments=segments or [], excluded=excluded or set(),
                                         enough=limit)
        candidates = [(p, p.score) for p in pick.items]
        narrow = category is not None or context_category is not None
        chosen = candidates[:limit] if narrow else diversify(
            candidates, limit, self._settings.recs_category_share)
        items = [RecommendedItem(item_id=p.item_id, score=s, title=p.title, category=p.category,
                                 reason=pick.reason) for p, s in chosen]
        return UserRecommendations(user_id=user_id, strategy=Strategy.popular, personalized=False,
                                   fallback_reason=reason, popular_scope=pick.scope,
                                   items=items)

    async def close(self) -> None:
        """Cancel the background item read (at shutdown, before the driver closes)."""
        await self._infos.close()

def _info(infos: dict[str, ItemInfo], item_id: str) -> ItemInfo:
    return infos.get(item_id) or ItemInfo(item_id, None, None)
