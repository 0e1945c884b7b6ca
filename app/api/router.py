"""All routers, in one place."""

from fastapi import APIRouter

from app.api.routes import (
    admin_keys,
    consent,
    cypher_analyst,
    health,
    items,
    recommendations,
    segments,
    track,
    users,
)

api_router = APIRouter()
api_router.include_router(health.router)
api_router.include_router(track.router)
api_router.include_router(admin_keys.router)
api_router.include_router(users.router)
api_router.include_router(consent.router)
api_router.include_router(items.router)
api_router.include_router(recommendations.router)
api_router.include_router(segments.router)
api_router.include_router(cypher_analyst.router)
