"""Request-body models of routes that parse their bodies themselves (JSON or YAML), added to
the OpenAPI components so those routes can `$ref` them."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel

from app.decisions.definition import DecisionPreviewRequest, PlacementDefinition
from app.experiments.definition import ExperimentDefinition
from app.segments.definition import PreviewRequest, SegmentDefinition

REF = "#/components/schemas/{model}"
BODY_MODELS: tuple[type[BaseModel], ...] = (SegmentDefinition, PreviewRequest,
                                             ExperimentDefinition, PlacementDefinition,
                                             DecisionPreviewRequest)


def body_ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": REF.format(model=model.__name__)}


def install_openapi_components(app: FastAPI) -> None:
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = generate()
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        for model in BODY_MODELS:
            schema = model.model_json_schema(ref_template=REF)
            for name, definition in schema.pop("$defs", {}).items():
                schemas.setdefault(name, definition)
            schemas[model.__name__] = schema
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]
