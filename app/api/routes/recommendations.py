"""Recommendations for storefronts: per user, and items similar to an item. Every list
carries a `recommendation_id`; enrolled shoppers get their experiment variant's strategy."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel
from starlette.types import Scope as AsgiScope

from app.api.deps import (
    ReadScope,
    RecommendAdmissionDep,
    RecommendationsDep,
    authorization_of,
    key_of_authorization,
    scopes_granting,
)
from app.api.fast_route import PLAIN_BOOLS, fast_path_route, plain_int, single_query_values
from app.auth.api_keys import Scope
from app.experiments.schemas import TrackedRecommendations, TrackedSimilarItems
from app.recommend.schemas import ScoringMode
from app.wiring import Services, services_of

router = APIRouter(prefix="/v1", tags=["recommendations"])

MAX_LIMIT = 100
MAX_ID = 256
MAX_CATEGORY = 200


IdPath = Annotated[str, Path(min_length=1, max_length=MAX_ID)]


async def user_recommendations(
    user_id: IdPath,
    request: Request,
    _: ReadScope,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 20,
    category: Annotated[str | None, Query(
        min_length=1, max_length=MAX_CATEGORY,
        description="Only this category's items, with no per-category diversity cap; a "
                    "personalized list shorter than limit is topped up from the category's "
                    "popular items (reason 'popular in <category>')")] = None,
    exclude_seen: bool = True,
    context_item: Annotated[str | None, Query(
        min_length=1, max_length=MAX_ID,
        description="The item the shopper is viewing: in a personalized list (live mode) "
                    "it counts as a view made now and is left out of the list; a "
                    "non-personalized list is narrowed to its category. An item the model "
                    "does not hold changes nothing")] = None,
    mode: Annotated[ScoringMode, Query(
        description="live: trained vector + the history read now; static: trained vector "
                    "only")] = ScoringMode.live,
) -> Response:
    return await _serve(services_of(request), user_id, limit, category, exclude_seen,
                        context_item, mode)


async def _serve(services: Services, user_id: str, limit: int, category: str | None,
                 exclude_seen: bool, context_item: str | None, mode: ScoringMode) -> Response:
    tracked = await services.experiments.serving.for_user(
        user_id, limit, category, exclude_seen, context_item=context_item, mode=mode,
        admission=services.recommend_admission)
    return _json(tracked)


class _PlainRecommendationRequest:
    """The fast path of the route above (app/api/fast_route.py): the same checks as its
    declared parameters, for values in their plain form; the same service call."""

    KNOWN = frozenset({"limit", "category", "exclude_seen", "context_item", "mode"})

    def accept(self, scope: AsgiScope) -> tuple | None:
        user_id = scope.get("path_params", {}).get("user_id")
        query = single_query_values(scope, self.KNOWN)
        if query is None or not isinstance(user_id, str) or not 1 <= len(user_id) <= MAX_ID:
            return None
        limit = plain_int(query.get("limit", "20"), 1, MAX_LIMIT)
        exclude_seen = PLAIN_BOOLS.get(query.get("exclude_seen", "true"))
        category = query.get("category")
        context_item = query.get("context_item")
        mode = query.get("mode", ScoringMode.live.value)
        if (limit is None or exclude_seen is None or mode not in _MODES
                or (category is not None and not 1 <= len(category) <= MAX_CATEGORY)
                or (context_item is not None and not 1 <= len(context_item) <= MAX_ID)):
            return None
        return user_id, limit, category, exclude_seen, context_item, ScoringMode(mode)

    async def answer(self, scope: AsgiScope, arguments: tuple) -> Response:
        services: Services = scope["app"].state.services
        await scopes_granting(services.auth, key_of_authorization(authorization_of(scope)),
                              Scope.read)
        return await _serve(services, *arguments)


_MODES = frozenset(m.value for m in ScoringMode)
router.add_api_route(
    "/users/{user_id}/recommendations", user_recommendations, methods=["GET"],
    response_model=TrackedRecommendations,
    route_class_override=fast_path_route(_PlainRecommendationRequest()))


@router.get("/items/{item_id}/similar", response_model=TrackedSimilarItems)
async def similar_items(
    item_id: IdPath,
    _: ReadScope,
    service: RecommendationsDep,
    admission: RecommendAdmissionDep,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 20,
) -> TrackedSimilarItems:
    async with admission.slot():
        similar = await service.similar(item_id, limit)
    return TrackedSimilarItems(**similar.model_dump(), recommendation_id=uuid.uuid4().hex)


def _json(answer: BaseModel) -> Response:
    """The answer as its model serializes it. The model was validated when it was built;
    returned as is, FastAPI would validate it against `response_model` again (which stays
    for the OpenAPI document)."""
    return Response(answer.model_dump_json(), media_type="application/json")
