"""Schema-driven fuzzing of every operation in the OpenAPI document, in-process against the
real Neo4j: no answer may be a server error, use an undocumented status code, or break its
documented schema. Both valid requests (positive) and invalid ones (negative) are generated.

Bounded: PROFILEGRAPH_FUZZ_EXAMPLES examples per operation and mode (default 8; a few
minutes for the whole API). Operations are driven one by one rather than with
`schema.parametrize()`: the app's lifespan (driver, background tasks) runs once, in
schemathesis' own event loop, for the whole run.
"""

from __future__ import annotations

import os
import time
import traceback
from datetime import UTC, datetime, timedelta

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from neo4j import AsyncDriver
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.specs.openapi.formats import unregister_string_format

from app.core.config import Settings
from app.main import create_app
from tests.conftest import ADMIN_KEY

EXAMPLES = int(os.environ.get("PROFILEGRAPH_FUZZ_EXAMPLES", "8"))
TIMINGS = bool(os.environ.get("PROFILEGRAPH_FUZZ_TIMINGS"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
AUTH = {"Authorization": f"Bearer {ADMIN_KEY}"}


# Request schemas must describe what routes accept, except where the rule is not one JSON
# Schema can state: Cypher text and parameters, a condition's op/value pairing, an
# experiment's cross-variant rules (weights summing to 1, one control), a destination's target
# (resolving to a public address) and segments (existing), a replay range (`to` after `from`),
# and a placement's (rules and default name one of its variants; a preview gives a saved or a
# draft placement), and a page cursor (opaque: only one this API returned decodes; its
# alphabet is stated).
ACCEPTANCE_EXCLUDED = ("GET /v1/users/{user_id}/events", "GET /v1/segments/{segment_id}/members",
                       "GET /v1/segments/{segment_id}/changes",
                       "POST /v1/cypher", "POST /v1/cypher/saved/{name}", "POST /v1/segments",
                       "POST /v1/segments/preview", "POST /v1/experiments",
                       "POST /v1/destinations", "PATCH /v1/destinations/{destination_id}",
                       "POST /v1/destinations/{destination_id}/replay",
                       "PUT /v1/placements/{placement_id}", "POST /v1/placements/preview")


def _fuzz(operation: schemathesis.APIOperation, mode: GenerationMode,
          checks: list = CHECKS) -> str | None:
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: schemathesis.Case) -> None:
        case.call_and_validate(headers=AUTH, checks=checks)

    started = time.perf_counter()
    try:
        run()
    except Unsatisfiable:  # no invalid request exists (e.g. a GET without parameters)
        return None
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # hypothesis re-raises the failures (an exception group)
        return f"{operation.label} [{mode.value}]: " + "".join(
            traceback.format_exception_only(exc)).strip()[:1500]
    finally:
        if TIMINGS:
            print(f"{time.perf_counter() - started:6.1f}s {operation.label} [{mode.value}]")
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


def test_requests_valid_by_the_schema_are_accepted(graph: AsyncDriver,
                                                   settings: Settings) -> None:
    """positive_data_acceptance: a request the schema allows gets no 400/422. Dates come from
    the last twelve hours, as a device sends them (the clock policy is stated in words)."""
    now = datetime.now(UTC)
    recent = st.datetimes(min_value=(now - timedelta(hours=12)).replace(tzinfo=None),
                          max_value=now.replace(tzinfo=None))
    schemathesis.openapi.format("date-time", recent.map(
        lambda d: d.replace(tzinfo=UTC).isoformat()))
    app = create_app(settings.model_copy(update={"segment_sweep_interval_s": 0}))
    try:
        schema = schemathesis.openapi.from_asgi("/openapi.json", app)
        operations = [r.ok() for r in schema.get_all_operations()
                      if r.ok().label not in ACCEPTANCE_EXCLUDED]
        failures = [failure for operation in operations
                    if (failure := _fuzz(operation, GenerationMode.POSITIVE,
                                         [positive_data_acceptance, not_a_server_error]))]
    finally:
        unregister_string_format("date-time")
        asgi.shutdown_lifespans()
    assert not failures, "\n\n".join(failures)
