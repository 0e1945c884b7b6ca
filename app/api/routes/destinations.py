"""`/v1/destinations`: where changes are delivered, their deliveries and replay (scope
`admin`: a destination sends profile data out of the service)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from app.api.deps import AdminScope, DestinationsDep
from app.api.error_docs import ErrorBody
from app.destinations.schemas import (
    DeliveryPage,
    DeliveryState,
    Destination,
    DestinationIn,
    DestinationList,
    DestinationPatch,
    ReplayRequest,
    ReplayResult,
)

router = APIRouter(prefix="/v1/destinations", tags=["destinations"])
DestinationIdPath = Annotated[str, Path(max_length=64)]


@router.post("", status_code=201, response_model=Destination, response_model_exclude_none=True,
             responses={409: {"model": ErrorBody, "description": "the id is taken"}})
async def create_destination(body: DestinationIn, destinations: DestinationsDep,
                             _: AdminScope) -> Destination:
    """A webhook answers its signing secret here, once (`rotate_secret` makes a new one)."""
    return await destinations.create(body)


@router.get("", response_model=DestinationList, response_model_exclude_none=True)
async def list_destinations(destinations: DestinationsDep, _: AdminScope) -> DestinationList:
    return DestinationList(destinations=await destinations.list_all())


@router.get("/{destination_id}", response_model=Destination, response_model_exclude_none=True)
async def get_destination(destination_id: DestinationIdPath, destinations: DestinationsDep,
                          _: AdminScope) -> Destination:
    return await destinations.get(destination_id)


@router.patch("/{destination_id}", response_model=Destination,
              response_model_exclude_none=True)
async def update_destination(destination_id: DestinationIdPath, body: DestinationPatch,
                             destinations: DestinationsDep, _: AdminScope) -> Destination:
    return await destinations.update(destination_id, body)


@router.delete("/{destination_id}", status_code=204)
async def delete_destination(destination_id: DestinationIdPath, destinations: DestinationsDep,
                             _: AdminScope) -> Response:
    """The destination and every delivery queued or kept for it."""
    await destinations.delete(destination_id)
    return Response(status_code=204)


@router.get("/{destination_id}/deliveries", response_model=DeliveryPage)
async def list_deliveries(destination_id: DestinationIdPath, destinations: DestinationsDep,
                          _: AdminScope, state: DeliveryState | None = None,
                          limit: Annotated[int, Query(ge=1, le=1000)] = 50) -> DeliveryPage:
    """The most recent deliveries, newest first."""
    return DeliveryPage(deliveries=await destinations.deliveries(destination_id, state, limit))


@router.post("/{destination_id}/replay", response_model=ReplayResult)
async def replay(destination_id: DestinationIdPath, body: ReplayRequest,
                 destinations: DestinationsDep, _: AdminScope) -> ReplayResult:
    """Deliveries created in [`from`, `to`) in the given states (default dead) are sent
    again, with their ids."""
    return ReplayResult(requeued=await destinations.replay(destination_id, body))
