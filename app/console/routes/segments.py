"""Console segment pages (HTML, scope `segments`): list, detail with versions and history,
and the builder's htmx endpoints (form -> editor, editor -> form, preview, save)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse
from starlette.datastructures import FormData

from app.api.deps import SegmentDraftsDep, SegmentHistoryDep, SegmentsDep, UsersDep
from app.console.builder_panels import follow_ups, posted_document
from app.console.rendering import render
from app.console.security import SegmentsSession
from app.console.segment_builder import Row, form_document, parse_form
from app.console.segment_view import (
    builder_from_editor,
    builder_from_form,
    detail_page,
    list_page,
    new_builder,
    parse_editor,
    preview,
    reformatted,
    save,
)
from app.core.errors import ApiError

router = APIRouter(prefix="/console/segments", include_in_schema=False)
MAX_EDITOR = 256 * 1024


def _field(form: FormData, name: str, limit: int = MAX_EDITOR) -> str:
    value = form.get(name, "")
    return value[:limit] if isinstance(value, str) else ""


def _format(form: FormData, name: str = "format") -> str:
    return "yaml" if _field(form, name) == "yaml" else "json"


def _posted_doc(form: FormData) -> tuple[Any, str | None]:
    return posted_document(form, _field(form, "editor"), _format(form, "editor_format"))


@router.get("")
async def segments(request: Request, service: SegmentsDep, trends: SegmentHistoryDep,
                   session: SegmentsSession) -> HTMLResponse:
    return render(request, "segments.html", session, builder=new_builder(),
                  **await list_page(service, trends))


@router.post("/builder/form")
async def builder_form(request: Request, service: SegmentsDep, users: UsersDep,
                       drafts: SegmentDraftsDep, session: SegmentsSession) -> HTMLResponse:
    """The form changed (a field, a row added or removed): rebuild the document; a preview
    shown follows it."""
    data = await request.form()
    form = parse_form(data)
    action = _field(data, "action", 32)
    if action == "add" and len(form.rows) < 32:
        form.rows.append(Row())
    elif action.startswith("remove:") and len(form.rows) > 1:
        index = action.removeprefix("remove:")
        if index.isdigit() and int(index) < len(form.rows):
            del form.rows[int(index)]
    panels = await follow_ups(data, form_document(form), service, users, drafts)
    return render(request, "_builder.html", session,
                  builder=builder_from_form(form, _format(data)), panels=panels)


@router.post("/builder/editor")
async def builder_editor(request: Request, service: SegmentsDep, users: UsersDep,
                         drafts: SegmentDraftsDep, session: SegmentsSession) -> HTMLResponse:
    """The editor changed: check it and show it in the form when the form can hold it; a
    preview shown follows it once it parses."""
    data = await request.form()
    builder = builder_from_editor(_field(data, "editor"), _format(data, "editor_format"))
    doc, error = parse_editor(_field(data, "editor"), _format(data, "editor_format"))
    panels = {} if error else await follow_ups(data, doc, service, users, drafts)
    return render(request, "_builder_fields_oob.html", session, builder=builder, panels=panels)


@router.post("/builder/format")
async def builder_format(request: Request, session: SegmentsSession) -> HTMLResponse:
    """JSON <-> YAML: the editor's document re-written in the chosen format."""
    data = await request.form()
    return render(request, "_builder.html", session, builder=reformatted(
        _field(data, "editor"), _format(data, "editor_format"), _format(data)))


@router.post("/preview")
async def preview_segment(request: Request, service: SegmentsDep, users: UsersDep,
                          drafts: SegmentDraftsDep, session: SegmentsSession) -> HTMLResponse:
    data = await request.form()
    doc, error = _posted_doc(data)
    result = ({"issues": [{"source": "editor", "field": "", "reason": error}]} if error else
              await preview(service, users, drafts, doc, _field(data, "shopper", 256).strip()))
    return render(request, "_preview.html", session, result=result)


@router.post("/save")
async def save_segment(request: Request, service: SegmentsDep, session: SegmentsSession
                       ) -> HTMLResponse:
    data = await request.form()
    doc, error = _posted_doc(data)
    result = ({"issues": [{"source": "editor", "field": "", "reason": error}]} if error else
              await save(service, doc))
    # 200 either way: htmx shows the problems in place (it does not swap error statuses)
    return render(request, "_save.html", session, result=result)


@router.get("/{segment_id}")
async def segment_detail(request: Request, service: SegmentsDep, trends: SegmentHistoryDep,
                         session: SegmentsSession,
                         segment_id: Annotated[str, Path(max_length=64)],
                         base: Annotated[int | None, Query(ge=1)] = None,
                         target: Annotated[int | None, Query(ge=1)] = None) -> HTMLResponse:
    try:
        context = await detail_page(service, trends, segment_id, base, target)
    except ApiError as exc:
        return render(request, "denied.html", session, status_code=exc.status_code,
                      reason=exc.message, heading="Not found")
    return render(request, "segment_detail.html", session, **context)
