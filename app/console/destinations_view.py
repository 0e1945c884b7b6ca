"""View-models of the console's destination pages (scope `admin`, as the API)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from app.core.errors import ApiError
from app.destinations.destination_service import DestinationService
from app.destinations.schemas import DeliveryState, ReplayRequest

RECENT = 50
ERRORS = 20


async def list_page(destinations: DestinationService) -> dict[str, Any]:
    return {"destinations": await destinations.list_all()}


async def detail_page(destinations: DestinationService, destination_id: str) -> dict[str, Any]:
    destination = await destinations.get(destination_id)
    recent = await destinations.deliveries(destination_id, limit=RECENT)
    dead = await destinations.deliveries(destination_id, DeliveryState.dead, ERRORS)
    retrying = [d for d in await destinations.deliveries(
        destination_id, DeliveryState.pending, RECENT) if d.attempts > 0][:ERRORS]
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    return {"destination": destination, "recent": recent, "errors": retrying + dead,
            "replay_from": (now - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
            "replay_to": (now + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M")}


def _when(raw: str, field: str) -> datetime | None:
    """A `datetime-local` value (UTC, as the page says) or an ISO timestamp."""
    if not raw.strip():
        return None
    try:
        value = datetime.fromisoformat(raw.strip())
    except ValueError:
        raise ApiError(422, "invalid_request", f"{field}: not a date and time") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


async def replay(destinations: DestinationService, destination_id: str,
                 form: dict[str, Any]) -> int:
    states = [s for s in form.get("states", []) if s in ("dead", "delivered")] or ["dead"]
    start = _when(form.get("from", ""), "from")
    if start is None:
        raise ApiError(422, "invalid_request", "from: required")
    request = ReplayRequest.model_validate({"from": start, "to": _when(form.get("to", ""), "to"),
                                            "states": states})
    return await destinations.replay(destination_id, request)
