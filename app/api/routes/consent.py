"""`PUT /v1/users/{id}/consent` (scope ingest): consent per purpose, history kept."""

from __future__ import annotations

from fastapi import APIRouter

from app.api.deps import ConsentDep, IngestScope
from app.profiles.schemas import ConsentState, ConsentUpdate

router = APIRouter(prefix="/v1/users", tags=["consent"])


@router.put("/{user_id}/consent", response_model=ConsentState)
async def put_consent(user_id: str, body: ConsentUpdate, consent: ConsentDep,
                      _: IngestScope) -> ConsentState:
    return await consent.update(user_id, {p.value: g for p, g in body.purposes.items()},
                                body.source)
