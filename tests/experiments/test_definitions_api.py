"""Experiment definitions over the API: schema, versions, lifecycle and a 422 per field."""

from __future__ import annotations

import copy
from typing import Any

import httpx
import yaml

from tests.experiments.conftest import definition, start


def _set(path: str, value: Any) -> dict[str, Any]:
    body = copy.deepcopy(definition())
    node: Any = body
    parts = path.split(".")
    for part in parts[:-1]:
        node = node[int(part)] if isinstance(node, list) else node[part]
    last = parts[-1]
    if isinstance(node, list):
        node[int(last)] = value
    elif value is ...:
        del node[last]
    else:
        node[last] = value
    return body


INVALID = [
    # (what is changed, value, the field the 422 names)
    ("id", "Bad Id!", "/id"),
    ("name", "", "/name"),
    ("variants", [definition()["variants"][0]], "/variants"),
    ("variants.0.name", "Has Spaces", "/variants/0/name"),
    ("variants.0.weight", 0, "/variants/0/weight"),
    ("variants.1.weight", 0.7, "/variants"),
    ("variants.1.name", "control", "/variants"),
    ("variants.0.strategy", {"kind": "oracle"}, "/variants/0/strategy/kind"),
    ("variants.0.strategy", {"kind": "popular", "model_version": "v1"}, "/variants/0/strategy"),
    ("variants.1.strategy", {"kind": "model", "diversity_share": 2},
     "/variants/1/strategy/diversity_share"),
    ("variants.0.colour", "red", "/variants/0/colour"),
    ("control", "nobody", "/control"),
    ("traffic", 0, "/traffic"),
    ("traffic", 1.5, "/traffic"),
    ("audience", {"segment_id": "BAD ID"}, "/audience/segment_id"),
    ("primary_metric", "happiness", "/primary_metric"),
    ("guardrail_metrics", ["ctr"], "/guardrail_metrics"),
    ("alpha", 0.5, "/alpha"),
    ("power", 1.0, "/power"),
    ("minimum_detectable_effect", 0, "/minimum_detectable_effect"),
    ("mode", "sometimes", "/mode"),
    ("bandit", {"exploration_floor": 0.1}, "/bandit"),
    ("start", "yesterday", "/start"),
    ("stop", "2026-01-01T00:00:00", "/stop"),
    ("version", 0, "/version"),
    ("surprise", True, "/surprise"),
]


async def test_each_invalid_field_is_a_422_naming_it(api: httpx.AsyncClient,
                                                     admin_headers: dict) -> None:
    # One app for every case: validation answers before any database work.
    wrong = []
    for path, value, field in INVALID:
        r = await api.post("/v1/experiments", json=_set(path, value), headers=admin_headers)
        fields = [f["field"] for f in r.json()["error"]["fields"]] if r.status_code == 422 else []
        if field not in fields:
            wrong.append((path, value, r.status_code, fields))
    assert not wrong
    assert (await api.get("/v1/experiments", headers=admin_headers)).json()["experiments"] == []


async def test_a_bad_id_is_named_an_experiment_id(api: httpx.AsyncClient,
                                                  admin_headers: dict) -> None:
    r = await api.post("/v1/experiments", json=definition("Bad ID"), headers=admin_headers)
    assert r.status_code == 422
    field = r.json()["error"]["fields"][0]
    assert field["field"] == "/id" and "is not a valid experiment id" in field["reason"]
    assert "segment" not in field["reason"]


async def test_cross_field_rules_name_their_field(api: httpx.AsyncClient,
                                                  admin_headers: dict) -> None:
    body = definition(start="2026-02-01T00:00:00Z", stop="2026-01-01T00:00:00Z")
    r = await api.post("/v1/experiments", json=body, headers=admin_headers)
    assert r.status_code == 422
    assert r.json()["error"]["fields"][0]["field"] == "/stop"
    body = definition(mode="bandit", bandit={"exploration_floor": 0.5},
                      variants=[*definition()["variants"],
                                {"name": "third", "weight": 0.0001,
                                 "strategy": {"kind": "model"}}])
    body["variants"][0]["weight"] = 0.4999
    r = await api.post("/v1/experiments", json=body, headers=admin_headers)
    assert r.status_code == 422
    assert r.json()["error"]["fields"][0]["field"] == "/bandit"
    r = await api.post("/v1/experiments", json=definition(audience={"segment_id": "nobody"}),
                       headers=admin_headers)
    assert r.status_code == 422
    assert r.json()["error"]["fields"][0]["field"] == "/audience/segment_id"


async def test_schema_versions_and_yaml(api: httpx.AsyncClient, admin_headers: dict) -> None:
    schema = (await api.get("/v1/experiments/schema", headers=admin_headers)).json()
    assert {"variants", "traffic", "primary_metric", "mode"} <= set(schema["properties"])
    r = await api.post("/v1/experiments", json=definition(), headers=admin_headers)
    assert r.status_code == 201 and r.json()["version"] == 1
    assert r.json()["status"] == "draft"
    body = definition(name="renamed")
    r = await api.post("/v1/experiments", content=yaml.safe_dump(body),
                       headers={**admin_headers, "content-type": "application/yaml"})
    assert r.status_code == 201 and r.json()["version"] == 2
    r = await api.post("/v1/experiments", json=definition(version=2), headers=admin_headers)
    assert r.status_code == 409  # the next version is 3
    detail = (await api.get("/v1/experiments/recs-ab", headers=admin_headers)).json()
    assert detail["versions"] == [1, 2] and detail["name"] == "renamed"
    listed = (await api.get("/v1/experiments", headers=admin_headers)).json()["experiments"]
    assert [e["experiment_id"] for e in listed] == ["recs-ab"]
    assert (await api.get("/v1/experiments/none", headers=admin_headers)).status_code == 404


async def test_lifecycle_one_running_and_frozen_assignment(api: httpx.AsyncClient,
                                                           admin_headers: dict) -> None:
    await start(api, admin_headers, definition())
    r = await api.post("/v1/experiments", json=definition("other"), headers=admin_headers)
    assert r.status_code == 201
    r = await api.post("/v1/experiments/other/start", headers=admin_headers)
    assert r.status_code == 409 and r.json()["error"]["code"] == "another_experiment_running"
    changed = definition(traffic=0.5)
    r = await api.post("/v1/experiments", json=changed, headers=admin_headers)
    assert r.status_code == 409 and r.json()["error"]["fields"][0]["field"] == "/traffic"
    r = await api.post("/v1/experiments", json=definition(description="notes"),
                       headers=admin_headers)
    assert r.status_code == 201  # what does not change assignment may change
    r = await api.post("/v1/experiments/recs-ab/stop", headers=admin_headers)
    assert r.status_code == 200 and r.json()["status"] == "stopped"
    r = await api.post("/v1/experiments/recs-ab/start", headers=admin_headers)
    assert r.status_code == 409


async def test_unservable_strategy_is_refused_at_start(api: httpx.AsyncClient,
                                                       admin_headers: dict) -> None:
    body = definition()
    body["variants"][1]["strategy"] = {"kind": "model", "diversity_share": 0.3}
    r = await api.post("/v1/experiments", json=body, headers=admin_headers)
    assert r.status_code == 201
    r = await api.post("/v1/experiments/recs-ab/start", headers=admin_headers)
    assert r.status_code == 409
    assert r.json()["error"]["fields"][0]["field"] == "/variants/1/strategy"


async def test_scope_is_required(api: httpx.AsyncClient) -> None:
    assert (await api.get("/v1/experiments")).status_code == 401


async def test_static_scoring_variant_starts(api: httpx.AsyncClient,
                                            admin_headers: dict) -> None:
    body = definition()
    body["variants"][1]["strategy"] = {"kind": "model", "live": False}
    r = await api.post("/v1/experiments", json=body, headers=admin_headers)
    assert r.status_code == 201
    r = await api.post("/v1/experiments/recs-ab/start", headers=admin_headers)
    assert r.status_code == 200, r.text
