"""All routers, in one place."""

from fastapi import FastAPI

from app.api.error_docs import API_ERRORS
from app.api.routes import (
    admin_keys,
    admin_models,
    consent,
    cypher_analyst,
    destinations,
    experiments,
    health,
    items,
    placements,
    predictions,
    recommendations,
    segment_export,
    segments,
    track,
    users,
)

# Routes are matched in this order, one router after another: the hot paths (intake and
# recommendations) come first. Only `/v1/items/{item_id}/similar` (recommendations) overlaps
# `/v1/items/{item_id:path}` (items): it must stay first.
ROUTERS = (track.router, recommendations.router, health.router, admin_keys.router,
           admin_models.router,
           users.router, consent.router, items.router, segments.router,
           segment_export.router,
           cypher_analyst.router, experiments.router, destinations.router,
           placements.router, predictions.router)


def install_routers(app: FastAPI) -> None:
    """Each feature router straight onto the app: FastAPI matches an included router's
    routes again at every level of nesting, so one level is the cheapest per request."""
    for router in ROUTERS:
        # /healthz, /readyz and /metrics document their own answers
        app.include_router(router, responses=None if router is health.router else API_ERRORS)
