"""All routers, in one place."""

from fastapi import APIRouter

from app.api.error_docs import API_ERRORS
from app.api.routes import (
    admin_keys,
    consent,
    cypher_analyst,
    experiments,
    health,
    items,
    recommendations,
    segments,
    track,
    users,
)

api_router = APIRouter()
# Routes are matched in this order, one router after another: the hot paths (intake and
# recommendations) come first. Only `/v1/items/{item_id}/similar` (recommendations) overlaps
# `/v1/items/{item_id:path}` (items): it must stay first.
for router in (track.router, recommendations.router, health.router, admin_keys.router,
               users.router, consent.router, items.router, segments.router,
               cypher_analyst.router, experiments.router):
    # /healthz, /readyz and /metrics document their own answers
    api_router.include_router(router, responses=None if router is health.router
                              else API_ERRORS)
