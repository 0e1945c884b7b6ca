"""Experiments: definitions, start/stop and results (scope `segments`: the marketers who
define audiences run experiments on them)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request

from app.api.definition_body import body_doc, read_document
from app.api.deps import ExperimentsDep, SegmentsScope
from app.experiments.definition import ExperimentDefinition

router = APIRouter(prefix="/v1", tags=["experiments"])

MAX_BODY = 64 * 1024
ExperimentIdPath = Annotated[str, Path(max_length=64)]

ServiceDep = ExperimentsDep


@router.get("/experiments/schema")
async def definition_schema(_: SegmentsScope) -> dict[str, Any]:
    """JSON Schema of an experiment definition, generated from the validating models."""
    return ExperimentDefinition.model_json_schema()


@router.post("/experiments", status_code=201, openapi_extra=body_doc(ExperimentDefinition))
async def create_experiment(request: Request, _: SegmentsScope,
                            service: ServiceDep) -> dict[str, Any]:
    """Upload a definition (JSON or YAML); an existing id gets a new version."""
    return await service.create(await read_document(request, MAX_BODY))


@router.get("/experiments")
async def list_experiments(_: SegmentsScope, service: ServiceDep,
                           include_archived: bool = False) -> dict[str, Any]:
    """Every experiment, newest first; archived ones with `include_archived=true`."""
    return {"experiments": await service.list_all(include_archived)}


@router.get("/experiments/{experiment_id}")
async def get_experiment(experiment_id: ExperimentIdPath, _: SegmentsScope,
                         service: ServiceDep) -> dict[str, Any]:
    return await service.get(experiment_id)


@router.post("/experiments/{experiment_id}/start")
async def start_experiment(experiment_id: ExperimentIdPath, _: SegmentsScope,
                           service: ServiceDep) -> dict[str, Any]:
    return await service.start(experiment_id)


@router.post("/experiments/{experiment_id}/stop")
async def stop_experiment(experiment_id: ExperimentIdPath, _: SegmentsScope,
                          service: ServiceDep) -> dict[str, Any]:
    return await service.stop(experiment_id)


@router.post("/experiments/{experiment_id}/archive")
async def archive_experiment(experiment_id: ExperimentIdPath, _: SegmentsScope,
                             service: ServiceDep) -> dict[str, Any]:
    """Hide a draft or stopped experiment from the default list; its results stay readable."""
    return await service.archive(experiment_id)


@router.delete("/experiments/{experiment_id}")
async def delete_experiment(experiment_id: ExperimentIdPath, _: SegmentsScope,
                            service: ServiceDep) -> dict[str, Any]:
    """Delete a draft, stopped or archived experiment with its versions, exposures and
    recorded variants (409 while it runs); says how many of each went."""
    return await service.delete(experiment_id)


@router.get("/experiments/{experiment_id}/results")
async def experiment_results(experiment_id: ExperimentIdPath, _: SegmentsScope,
                             service: ServiceDep) -> dict[str, Any]:
    """Per-variant estimates with intervals, tests, SRM, sample size and the daily-look
    sequential verdict (docs/experiments.md)."""
    return await service.results(experiment_id)
