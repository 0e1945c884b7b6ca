"""`PUT /v1/users/{id}/consent` (scope ingest): consent per purpose, history kept."""

from __future__ import annotations

from fastapi import APIRouter, Request

from app.api.deps import IngestScope
from app.api.routes.track import intake_service
from app.api.routes.users import user_service
from app.profiles.consent_service import ConsentService
from app.profiles.schemas import ConsentState, ConsentUpdate

router = APIRouter(prefix="/v1/users", tags=["consent"])


@router.put("/{user_id}/consent", response_model=ConsentState)
async def put_consent(user_id: str, body: ConsentUpdate, request: Request,
                      _: IngestScope) -> ConsentState:
    service = ConsentService(intake_service(request), user_service(request))
    return await service.update(user_id, {p.value: g for p, g in body.purposes.items()},
                                body.source)
