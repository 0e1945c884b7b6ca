"""Recommendation rules: consent, fallbacks, exclusions, diversity and reasons.

Personalized lists come from the promoted GNN model. A user without `personalization`
consent, an unknown user and a user the model has not seen get popular items instead, marked
as such; for a user without consent nothing of their own history is read or used.
"""

from __future__ import annotations

import math

import numpy as np
from cachetools import TTLCache

from app.core.config import Settings
from app.recommend.model_store import ModelStore
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
    SimilarItems,
    Strategy,
    UserRecommendations,
)

PURCHASE = "order_completed"
VERBS = {"product_viewed": "viewed", "product_added": "added to your cart",
         "order_completed": "bought"}
ITEM_CACHE_TTL_S = 300.0
ITEM_CACHE_MAX = 200_000


class RecommendationService:
    def __init__(self, settings: Settings, repository: RecommendationRepository,
                 models: ModelStore, popularity: PopularityService) -> None:
        self._settings = settings
        self._repository = repository
        self._models = models
        self._popularity = popularity
        self._items: TTLCache[str, ItemInfo] = TTLCache(ITEM_CACHE_MAX, ITEM_CACHE_TTL_S)

    async def for_user(self, id_: str, limit: int, category: str | None,
                       exclude_seen: bool) -> UserRecommendations:
        ctx = await self._repository.user_context(id_, self._settings.recs_history_limit)
        if ctx is None:
            return await self._popular_for(id_, limit, category, FallbackReason.unknown_user)
        if not self._consents(ctx):
            return await self._popular_for(ctx.user_id, limit, category,
                                           FallbackReason.no_consent)
        excluded = {h.item_id for h in ctx.history if exclude_seen or h.type == PURCHASE}
        model = self._models.current
        if model is None or ctx.user_id not in model.user_row:
            reason = FallbackReason.no_model if model is None else FallbackReason.cold_user
            return await self._popular_for(ctx.user_id, limit, category, reason, excluded)
        # recommend() drops the excluded items itself; the headroom is for diversity and the
        # category filter.
        pool = model.recommend(ctx.user_id, k=limit * 5, exclude=excluded)
        infos = await self._item_infos([item_id for item_id, _ in pool])
        ranked = [(infos.get(i) or ItemInfo(i, None, None), s) for i, s in pool]
        if category is not None:
            ranked = [(info, s) for info, s in ranked if info.category == category]
        chosen = self._diversify(ranked, limit)
        reasons = self._reasons(ctx, [info.item_id for info, _ in chosen])
        items = [
            RecommendedItem(item_id=info.item_id, score=score, title=info.title,
                            category=info.category, reason=reason)
            for (info, score), reason in zip(chosen, reasons, strict=True)
        ]
        return UserRecommendations(user_id=ctx.user_id, strategy=Strategy.gnn, personalized=True,
                                   model_version=model.version, items=items)

    async def similar(self, item_id: str, limit: int) -> SimilarItems:
        model = self._models.current
        row = model.item_row.get(item_id) if model is not None else None
        if model is None or row is None:
            info = (await self._item_infos([item_id])).get(item_id)
            category = info.category if info else None
            popular, _ = await self._popularity.ranked(category)
            picks = [p for p in popular if p.item_id != item_id][:limit]
            reason = f"popular in {category}" if category else "popular overall"
            return SimilarItems(
                item_id=item_id, strategy=Strategy.popular, personalized=False,
                fallback_reason=FallbackReason.no_model if model is None
                else FallbackReason.unknown_item,
                items=[RecommendedItem(item_id=p.item_id, score=p.score, title=p.title,
                                       category=p.category, reason=reason) for p in picks],
            )
        emb = model.item_emb
        sims = emb @ emb[row] / (np.linalg.norm(emb, axis=1) * np.linalg.norm(emb[row]) + 1e-9)
        sims[row] = -np.inf
        k = min(limit, len(sims) - 1)
        top = np.argpartition(-sims, k)[:k] if k < len(sims) - 1 else np.arange(len(sims))
        top = [int(i) for i in top[np.argsort(-sims[top], kind="stable")] if np.isfinite(sims[i])]
        infos = await self._item_infos([model.item_ids[i] for i in top] + [item_id])
        anchor = infos.get(item_id)
        reason = f"often chosen with {anchor.title}" if anchor and anchor.title else (
            "often chosen by the same customers")
        items = [
            RecommendedItem(item_id=model.item_ids[i], score=float(sims[i]),
                            title=_info(infos, model.item_ids[i]).title,
                            category=_info(infos, model.item_ids[i]).category, reason=reason)
            for i in top
        ]
        return SimilarItems(item_id=item_id, strategy=Strategy.gnn, personalized=False,
                            model_version=model.version, items=items)

    def _consents(self, ctx: UserContext) -> bool:
        if ctx.consent is None:
            return self._settings.consent_default == "opt_out"
        return ctx.consent == "granted"

    async def _popular_for(self, user_id: str, limit: int, category: str | None,
                           reason: FallbackReason,
                           excluded: set[str] | None = None) -> UserRecommendations:
        popular, window = await self._popularity.ranked(category)
        candidates = [(p, p.score) for p in popular if not excluded or p.item_id not in excluded]
        chosen = candidates[:limit] if category else self._diversify(candidates, limit)
        if category:
            why = f"popular in {category}"
        elif window == "recent":
            why = f"popular in the last {self._settings.popular_recent_days} days"
        else:
            why = "popular overall"
        items = [RecommendedItem(item_id=p.item_id, score=s, title=p.title, category=p.category,
                                 reason=why) for p, s in chosen]
        return UserRecommendations(user_id=user_id, strategy=Strategy.popular, personalized=False,
                                   fallback_reason=reason, items=items)

    def _diversify(self, ranked: list[tuple[ItemInfo, float]],
                   limit: int) -> list[tuple[ItemInfo, float]]:
        """Best first, at most `recs_category_share` of the list from any one category."""
        cap = max(1, math.ceil(self._settings.recs_category_share * limit))
        per_category: dict[str | None, int] = {}
        chosen: list[tuple[ItemInfo, float]] = []
        for info, score in ranked:
            if info.category is not None and per_category.get(info.category, 0) >= cap:
                continue
            per_category[info.category] = per_category.get(info.category, 0) + 1
            chosen.append((info, score))
            if len(chosen) == limit:
                break
        return chosen

    def _reasons(self, ctx: UserContext, item_ids: list[str]) -> list[str]:
        """For each item, the user's own interaction closest to it in the model: a path
        through the graph the user knows ("because you viewed X")."""
        model = self._models.current
        known = [h for h in ctx.history if model is not None and h.item_id in model.item_row]
        if model is None or not known or not item_ids:
            return ["recommended for you"] * len(item_ids)
        history = model.item_emb[[model.item_row[h.item_id] for h in known]]
        targets = model.item_emb[[model.item_row[i] for i in item_ids]]
        closest = np.argmax(targets @ history.T, axis=1)
        reasons = []
        for index in closest:
            best: Interaction = known[int(index)]
            verb = VERBS.get(best.type, "interacted with")
            reasons.append(f"because you {verb} {best.title or best.item_id}")
        return reasons

    async def _item_infos(self, item_ids: list[str]) -> dict[str, ItemInfo]:
        cached = self._items
        fresh = {i: info for i in item_ids if (info := cached.get(i)) is not None}
        missing = [i for i in item_ids if i not in fresh]
        if missing:
            loaded = await self._repository.items(missing)
            cached.update(loaded)
            fresh.update(loaded)
        return fresh


def _info(infos: dict[str, ItemInfo], item_id: str) -> ItemInfo:
    return infos.get(item_id) or ItemInfo(item_id, None, None)
