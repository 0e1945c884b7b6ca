"""Segment pages: the list with sizes and trends, a segment's versions, diffs and history,
and the builder's checks, preview and save."""

from __future__ import annotations

import asyncio
import difflib
import json
from collections import defaultdict
from functools import lru_cache
from typing import Any

import yaml
from jsonschema import Draft202012Validator, ValidationError

from app.console.audience_words import audience
from app.console.charts import bar_chart, sparkline
from app.console.field_problems import by_input, placed
from app.console.segment_builder import (
    BuilderForm,
    fingerprint,
    form_document,
    read_document,
)
from app.core.errors import ApiError
from app.intake.ecommerce import ORDER_EVENT, SINGLE_PRODUCT_EVENTS
from app.intake.messages import PURPOSES
from app.profiles.user_service import UserService
from app.segments.definition import SegmentDefinition
from app.segments.document import validate
from app.segments.draft_explain import DraftExplainer
from app.segments.history import SegmentHistoryService
from app.segments.identifiers import COMPUTED_TRAITS, ITEM_FIELDS
from app.segments.segment_service import SegmentService

TREND_DAYS = 14
HISTORY_DAYS = 30
SAMPLE = 10


# Suggestions for the builder's fields (datalists: any valid name may still be typed).
CHOICES = {
    "event_types": sorted({*SINGLE_PRODUCT_EVENTS, ORDER_EVENT, "checkout_started", "page"}),
    "user_properties": ["trait_plan", "trait_country", *sorted(COMPUTED_TRAITS)],
    "event_fields": [*sorted(ITEM_FIELDS), "p_revenue"],
    "purposes": sorted(PURPOSES),
    "ops": ["eq", "neq", "gt", "gte", "lt", "lte", "in", "contains", "exists"],
    "numeric_ops": ["eq", "neq", "gt", "gte", "lt", "lte"],
}


@lru_cache(maxsize=1)
def schema_validator() -> Draft202012Validator:
    """The published schema (GET /v1/segments/schema), as a JSON Schema validator."""
    return Draft202012Validator(SegmentDefinition.model_json_schema())


def dump_editor(doc: Any, fmt: str) -> str:
    if fmt == "yaml":
        return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)
    return json.dumps(doc, indent=2, ensure_ascii=False)


def parse_editor(text: str, fmt: str) -> tuple[Any, str | None]:
    """(document, None) or (None, why it does not parse)."""
    try:
        return (yaml.safe_load(text) if fmt == "yaml" else json.loads(text)), None
    except (ValueError, yaml.YAMLError) as exc:
        return None, f"not valid {fmt.upper()}: {exc}"


def _specific(error: ValidationError) -> list[ValidationError]:
    """A oneOf over condition types fails as a whole; the useful errors are those of the
    branch whose `type` matched (the discriminator), followed down."""
    if not error.context:
        return [error]
    branches: dict[Any, list[ValidationError]] = defaultdict(list)
    for sub in error.context:
        branches[sub.relative_schema_path[0]].append(sub)
    # drop branches of another condition type, and branches of another JSON type (the
    # `null` of an optional field)
    matched = [errs for errs in branches.values()
               if not any(list(e.relative_path) == ["type"] for e in errs)
               and not all(e.validator == "type" and not e.relative_path for e in errs)]
    if len(matched) != 1:
        return [error]
    return [leaf for sub in matched[0] for leaf in _specific(sub)]


def check(doc: Any) -> list[dict[str, str]]:
    """Problems with a document: first against the published JSON Schema, then the rules the
    schema cannot say (e.g. 'use either within_days or between'). Empty when it is valid."""
    errors = [leaf for e in schema_validator().iter_errors(doc) for leaf in _specific(e)]
    errors.sort(key=lambda e: [str(p) for p in e.absolute_path])
    issues = [{"source": "schema", "field": "/" + "/".join(str(p) for p in e.absolute_path),
               "reason": e.message} for e in errors]
    if issues:
        return issues[:20]
    try:
        validate(SegmentDefinition, doc)
    except ApiError as exc:
        return [{"source": "rules", **f} for f in exc.fields]
    return []


def builder_context(form: BuilderForm | None, doc: Any, fmt: str,
                    parse_error: str | None = None, editor_text: str | None = None,
                    known_valid: bool = False, form_note: str | None = None,
                    fresh: bool = False) -> dict[str, Any]:
    """`fresh`: an empty builder nobody has touched yet; nothing to report about it."""
    issues = ([{"source": fmt, "field": "", "reason": parse_error}] if parse_error else
              [] if known_valid or fresh else check(doc))
    if parse_error:
        form_note = (f"the editor's text is not valid {fmt.upper()} (the problem is listed "
                     "under the editor); the form follows once it parses")
    # the definition the form's fields make, as rendered: a later post whose fields make
    # another one was edited in the form after the editor was last written from it
    form_fp = fingerprint(form_document(form)) if form is not None else ""
    problems = placed(issues, len(form.rows) if form is not None else None)
    return {"form": form, "form_note": form_note, "form_fp": form_fp, "format": fmt,
            "issues": problems, "field_problems": by_input(problems), "fresh": fresh,
            "choices": CHOICES,
            "editor": editor_text if editor_text is not None else dump_editor(doc, fmt)}


def _from_document(doc: Any, fmt: str, **kwargs: Any) -> dict[str, Any]:
    form, note = read_document(doc)
    return builder_context(form, doc, fmt, form_note=note, **kwargs)


def builder_from_form(form: BuilderForm, fmt: str) -> dict[str, Any]:
    return builder_context(form, form_document(form), fmt)


def builder_from_editor(text: str, fmt: str) -> dict[str, Any]:
    doc, error = parse_editor(text, fmt)
    if error:
        return builder_context(None, None, fmt, error, text)
    return _from_document(doc, fmt, editor_text=text)


def reformatted(text: str, old_fmt: str, new_fmt: str) -> dict[str, Any]:
    doc, error = parse_editor(text, old_fmt)
    if error:
        return builder_context(None, None, old_fmt, error, text)
    return _from_document(doc, new_fmt)


def new_builder(existing: dict[str, Any] | None = None) -> dict[str, Any]:
    if existing is None:
        form = BuilderForm()
        return builder_context(form, form_document(form), "json", fresh=True)
    doc = {"id": existing["segment_id"], "name": existing["name"],
           **existing["definition"]}
    doc.pop("version", None)
    # a stored definition passed these checks when it was saved
    return _from_document(doc, "json", known_valid=True)


async def list_page(service: SegmentService, trends: SegmentHistoryService
                    ) -> dict[str, Any]:
    segments, history = await asyncio.gather(
        service.list_all(), trends.daily_changes(TREND_DAYS))
    rows = []
    for s in segments:
        days = history.get(s.segment_id, [])
        net, size = [], 0
        for _, entered, exited in days:
            size += entered - exited
            net.append(float(size))
        moved = sum(e + x for _, e, x in days)
        trend = sparkline(net, f"net change over {TREND_DAYS} days")
        rows.append({**s.model_dump(), "trend": trend, "changes": moved})
    return {"segments": rows, "trend_days": TREND_DAYS}


def version_diff(old: dict[str, Any], new: dict[str, Any]) -> list[tuple[str, str]]:
    """Unified diff of two versions' definitions, as (kind, line) with kind add/del/ctx."""
    a = json.dumps(old["definition"], indent=2, sort_keys=True).splitlines()
    b = json.dumps(new["definition"], indent=2, sort_keys=True).splitlines()
    out = []
    for line in difflib.unified_diff(a, b, f"version {old['version']}",
                                     f"version {new['version']}", lineterm="", n=3):
        kind = ("add" if line.startswith("+") and not line.startswith("+++") else
                "del" if line.startswith("-") and not line.startswith("---") else "ctx")
        out.append((kind, line))
    return out


async def _version(service: SegmentService, segment_id: str, version: int | None
                   ) -> dict[str, Any] | None:
    if version is None:
        return None
    try:
        return (await service.get_version(segment_id, version)).model_dump()
    except ApiError:
        return None  # not a version of this segment: the defaults apply


async def detail_page(service: SegmentService, trends: SegmentHistoryService, segment_id: str,
                      base: int | None, target: int | None) -> dict[str, Any]:
    """Versions named in the link are read together with the rest (one round of reads);
    the default comparison (previous vs current) needs the version list first."""
    current, history, changes, base_row, target_row = await asyncio.gather(
        service.get(segment_id),
        trends.daily_changes(HISTORY_DAYS, segment_id),
        service.changes(segment_id, None, 20),
        _version(service, segment_id, base), _version(service, segment_id, target))
    current = current.model_dump()
    versions = current["versions"]
    if target_row is None:
        target_row = current
    if base_row is None:
        older = [v for v in versions if v < target_row["version"]]
        base_row = await _version(service, segment_id, older[-1]) if older else None
    diff = (version_diff(base_row, target_row)
            if base_row is not None and base_row["version"] != target_row["version"] else None)
    days = history.get(segment_id, [])
    chart = bar_chart([d.strftime("%m-%d") for d, _, _ in days],
                      {"entered": [e for _, e, _ in days], "exited": [x for _, _, x in days]},
                      description=f"Entries and exits per day over {HISTORY_DAYS} days")
    return {"segment": current, "audience": audience(current["definition"]),
            "base": base_row["version"] if base_row else None,
            "target": target_row["version"], "diff": diff,
            "chart": chart if days else None, "changes": changes.changes,
            "builder": new_builder(current)}


async def _explain(users: UserService, drafts: DraftExplainer, doc: Any, shopper: str
                   ) -> dict[str, Any]:
    try:
        user_id = await users.resolve(shopper)
    except ApiError as exc:
        return {"shopper_error": exc.message}
    definition = validate(SegmentDefinition, doc)
    return {"explanation": await drafts.explain(definition.condition, user_id),
            "shopper_id": user_id}


async def _nothing() -> dict[str, Any]:
    return {}


async def preview(service: SegmentService, users: UserService, drafts: DraftExplainer,
                  doc: Any, shopper: str) -> dict[str, Any]:
    """Count, sample and (for a chosen shopper) each condition's result, or the errors; `fp`
    says which definition it was for."""
    return {**await _preview(service, users, drafts, doc, shopper), "fp": fingerprint(doc)}


async def _preview(service: SegmentService, users: UserService, drafts: DraftExplainer,
                   doc: Any, shopper: str) -> dict[str, Any]:
    issues = check(doc)
    if issues:
        return {"issues": issues}
    try:
        result, why = await asyncio.gather(
            service.preview({"condition": doc["condition"], "sample_size": SAMPLE}),
            _explain(users, drafts, doc, shopper) if shopper else _nothing())
    except ApiError as exc:
        return {"issues": [{"source": "preview", "field": f["field"], "reason": f["reason"]}
                           for f in exc.fields] or [{"source": "preview", "field": "",
                                                      "reason": exc.message}]}
    return {"count": result.count, "sample": result.sample, "shopper": shopper,
            "audience": audience(doc), **why}


async def save(service: SegmentService, doc: Any) -> dict[str, Any]:
    issues = check(doc)
    if issues:
        return {"issues": issues, "fp": fingerprint(doc)}
    try:
        saved = await service.create(doc)
    except ApiError as exc:
        return {"issues": [{"source": "save", "field": f["field"], "reason": f["reason"]}
                           for f in exc.fields] or [{"source": "save", "field": "",
                                                      "reason": exc.message}],
                "fp": fingerprint(doc)}
    return {"saved": saved}
