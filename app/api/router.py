"""All routers, in one place."""

from fastapi import APIRouter

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
# recommendations) come first. No two routers' paths overlap, so the order changes nothing else.
api_router.include_router(track.router)
api_router.include_router(recommendations.router)
api_router.include_router(health.router)
api_router.include_router(admin_keys.router)
api_router.include_router(users.router)
api_router.include_router(consent.router)
api_router.include_router(items.router)
api_router.include_router(segments.router)
api_router.include_router(cypher_analyst.router)
api_router.include_router(experiments.router)
