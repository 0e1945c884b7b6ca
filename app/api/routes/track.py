"""Segment Tracking API: `/v1/track|identify|alias|page|screen|batch` (scope ingest).

Bodies are read raw (gzip allowed) and parsed with orjson: the hot path skips pydantic. A 200
means the batch's transaction committed; in Kafka mode (PROFILEGRAPH_INTAKE_MODE=kafka) it
means the broker acknowledged the batch, which the intake consumer applies (docs/kafka.md).
"""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
from fastapi import APIRouter, Request, Response

from app.api.deps import IngestScope, IntakeDep, QueuedIntakeDep
from app.api.json_body import read_json
from app.intake.intake_service import (
    MAX_BATCH_BYTES,
    MAX_MESSAGE_BYTES,
    IntakeService,
    parse_batch,
    parse_single,
)
from app.intake.queued_intake import SHARED, QueuedIntake
from app.intake.schemas import BatchResult
from app.intake.wire_schema import batch_schema, message_schema

router = APIRouter(prefix="/v1", tags=["intake"])
RESULT = {200: {"model": BatchResult, "description": "committed (Kafka mode: queued)"},
          503: {"description": "the database (Kafka mode: the broker) is unavailable"},
          413: {"description": "message over 32 KB or batch over 500 KB"}}


def _body_doc(schema: dict) -> dict:
    return {"requestBody": {"required": True, "content": {"application/json": {
        "schema": schema}}}}


# Documented inline: the routes read raw bodies (gzip, size limits), so FastAPI does not
# derive these from a parameter.
BATCH_DOC = _body_doc(batch_schema())


def _message_doc(mtype: str) -> dict:
    return _body_doc(message_schema(mtype))


def _json(body: dict) -> Response:
    return Response(orjson.dumps(body), media_type="application/json")


@router.post("/batch", summary="Send a batch of Segment messages (one transaction)",
             responses=RESULT, openapi_extra=BATCH_DOC)
@router.post("/import", include_in_schema=False)
async def batch(request: Request, _: IngestScope, intake: IntakeDep,
                queued: QueuedIntakeDep) -> Response:
    received_at = datetime.now(UTC)
    body, size = await read_json(request, MAX_BATCH_BYTES)
    # Kafka mode validates only: the consumer parses (and scrubs) what it applies
    messages = parse_batch(body, received_at, size, scrub=queued is None)
    if queued is not None:
        shared = {k: body[k] for k in SHARED if k in body}
        return _json(await queued.accept(messages, body["batch"], shared, received_at))
    outcome = await intake.ingest(messages, received_at)
    return _json(outcome.as_body())


async def _single(request: Request, intake: IntakeService, queued: QueuedIntake | None,
                  mtype: str) -> Response:
    received_at = datetime.now(UTC)
    body, _ = await read_json(request, MAX_MESSAGE_BYTES)
    messages = parse_single(body, mtype, received_at, scrub=queued is None)
    if queued is not None:  # same topic as /v1/batch: a shopper's messages keep their order
        return _json(await queued.accept(messages, [{**body, "type": mtype}], {}, received_at))
    outcome = await intake.ingest(messages, received_at)
    return _json(outcome.as_body())


@router.post("/track", summary="Record a Segment track event",
             responses=RESULT, openapi_extra=_message_doc("track"))
async def track(request: Request, _: IngestScope, intake: IntakeDep,
                queued: QueuedIntakeDep) -> Response:
    return await _single(request, intake, queued, "track")


@router.post("/identify", summary="Identify a user and set traits",
             responses=RESULT, openapi_extra=_message_doc("identify"))
async def identify(request: Request, _: IngestScope, intake: IntakeDep,
                   queued: QueuedIntakeDep) -> Response:
    return await _single(request, intake, queued, "identify")


@router.post("/alias", summary="Merge a previous id into a user",
             responses=RESULT, openapi_extra=_message_doc("alias"))
async def alias(request: Request, _: IngestScope, intake: IntakeDep,
                queued: QueuedIntakeDep) -> Response:
    return await _single(request, intake, queued, "alias")


@router.post("/page", summary="Record a page view",
             responses=RESULT, openapi_extra=_message_doc("page"))
async def page(request: Request, _: IngestScope, intake: IntakeDep,
               queued: QueuedIntakeDep) -> Response:
    return await _single(request, intake, queued, "page")


@router.post("/screen", summary="Record a mobile screen view",
             responses=RESULT, openapi_extra=_message_doc("screen"))
async def screen(request: Request, _: IngestScope, intake: IntakeDep,
                 queued: QueuedIntakeDep) -> Response:
    return await _single(request, intake, queued, "screen")
