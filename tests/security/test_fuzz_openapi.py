"""Schema-driven fuzzing of every operation in the OpenAPI document, in-process against the
real Neo4j: no answer may be a server error, use an undocumented status code, or break its
documented schema. Both valid requests (positive) and invalid ones (negative) are generated.

Bounded: PROFILEGRAPH_FUZZ_EXAMPLES examples per operation and mode (default 15; a few
minutes for the whole API). Operations are driven one by one rather than with
`schema.parametrize()`: the app's lifespan (driver, background tasks) runs once, in
schemathesis' own event loop, for the whole run.
"""

from __future__ import annotations

import os
import traceback

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from neo4j import AsyncDriver
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.core.config import Settings
from app.main import create_app
from tests.conftest import ADMIN_KEY

EXAMPLES = int(os.environ.get("PROFILEGRAPH_FUZZ_EXAMPLES", "15"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
AUTH = {"Authorization": f"Bearer {ADMIN_KEY}"}


def _fuzz(operation: schemathesis.APIOperation, mode: GenerationMode) -> str | None:
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: schemathesis.Case) -> None:
        case.call_and_validate(headers=AUTH, checks=CHECKS)

    try:
        run()
    except Unsatisfiable:  # no invalid request exists (e.g. a GET without parameters)
        return None
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # hypothesis re-raises the failures (an exception group)
        return f"{operation.label} [{mode.value}]: " + "".join(
            traceback.format_exception_only(exc)).strip()[:1500]
    return None


def test_every_operation_answers_without_server_errors(graph: AsyncDriver,
                                                       settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"segment_sweep_interval_s": 0}))
    try:
        schema = schemathesis.openapi.from_asgi("/openapi.json", app)
        operations = [result.ok() for result in schema.get_all_operations()]
        assert len(operations) >= 40
        failures = [failure for operation in operations
                    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
                    if (failure := _fuzz(operation, mode))]
    finally:
        asgi.shutdown_lifespans()  # stops the app's lifespan (driver, background tasks)
    assert not failures, "\n\n".join(failures)
