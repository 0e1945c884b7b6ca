"""Console experiments pages (HTML, scope `segments` as in the API): the list with a create
form, one experiment's results, start, stop, archive and delete.

A create, start or stop that succeeds answers 303 to the page's GET address with its notice
(app/console/flash.py), so a refresh does not send it again. A form with errors (422, the
input kept) and a refused start or stop (the service's status) are rendered in place."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response

from app.api.deps import ExperimentsDep
from app.auth.console_sessions import ConsoleSession
from app.console.experiments_view import (
    ExperimentForm,
    create,
    detail_page,
    list_page,
    parse_form,
)
from app.console.flash import redirect_with_notice, take_notice
from app.console.rendering import render
from app.console.security import SegmentsSession
from app.core.errors import ApiError
from app.experiments.experiment_service import ExperimentService

router = APIRouter(prefix="/console/experiments", include_in_schema=False)
ExperimentIdPath = Annotated[str, Path(max_length=64)]


async def _list(request: Request, service: ExperimentService, session: ConsoleSession,
                form: ExperimentForm, status_code: int = 200,
                notice: str | None = None) -> HTMLResponse:
    return render(request, "experiments.html", session, status_code=status_code, form=form,
                  notice=notice, **await list_page(service))


@router.get("")
async def experiments(request: Request, service: ExperimentsDep, session: SegmentsSession
                      ) -> HTMLResponse:
    return await _list(request, service, session, ExperimentForm(),
                       notice=take_notice(session, request))


@router.post("", response_model=None)
async def create_experiment(request: Request, service: ExperimentsDep,
                            session: SegmentsSession) -> Response:
    form = parse_form(await request.form())
    created = await create(service, form)
    if created is None:
        return await _list(request, service, session, form, status_code=422)
    notice = (f"Saved experiment {created['experiment_id']} "
              f"(version {created['version']}, {created['status']}).")
    return redirect_with_notice(session, router.prefix, notice)


async def _detail(request: Request, service: ExperimentService, session: ConsoleSession,
                  experiment_id: str, notice: str | None = None,
                  error: ApiError | None = None) -> HTMLResponse:
    try:
        context = await detail_page(service, experiment_id)
    except ApiError as exc:
        return render(request, "denied.html", session, status_code=exc.status_code,
                      reason=exc.message,
                      heading="Not found" if exc.status_code == 404 else None)
    return render(request, "experiment_detail.html", session,
                  status_code=error.status_code if error else 200, notice=notice,
                  error=error.message if error else None, **context)


@router.get("/{experiment_id}")
async def experiment(request: Request, service: ExperimentsDep, session: SegmentsSession,
                     experiment_id: ExperimentIdPath) -> HTMLResponse:
    return await _detail(request, service, session, experiment_id,
                         notice=take_notice(session, request))


async def _change(request: Request, service: ExperimentService, session: ConsoleSession,
                  experiment_id: str, action: Callable[[str], Awaitable[object]],
                  done: str) -> Response:
    """A start, stop or archive: back to the page with `done`, or the page with the
    service's refusal (its status)."""
    try:
        await action(experiment_id)
    except ApiError as exc:
        return await _detail(request, service, session, experiment_id, error=exc)
    return redirect_with_notice(session, f"{router.prefix}/{experiment_id}", done)


@router.post("/{experiment_id}/start", response_model=None)
async def start(request: Request, service: ExperimentsDep, session: SegmentsSession,
                experiment_id: ExperimentIdPath) -> Response:
    return await _change(request, service, session, experiment_id, service.start, "Started.")


@router.post("/{experiment_id}/archive", response_model=None)
async def archive(request: Request, service: ExperimentsDep, session: SegmentsSession,
                  experiment_id: ExperimentIdPath) -> Response:
    return await _change(request, service, session, experiment_id, service.archive,
                         "Archived.")


@router.post("/{experiment_id}/delete", response_model=None)
async def delete(request: Request, service: ExperimentsDep, session: SegmentsSession,
                 experiment_id: ExperimentIdPath) -> Response:
    if (await request.form()).get("confirm") != "yes":
        return await _detail(request, service, session, experiment_id, error=ApiError(
            422, "not_confirmed", "Tick the box to confirm the deletion."))
    try:
        done = await service.delete(experiment_id)
    except ApiError as exc:
        return await _detail(request, service, session, experiment_id, error=exc)
    return redirect_with_notice(session, router.prefix, (
        f"Deleted experiment {experiment_id} ({done['exposures_deleted']} exposures)."))


@router.post("/{experiment_id}/stop", response_model=None)
async def stop(request: Request, service: ExperimentsDep, session: SegmentsSession,
               experiment_id: ExperimentIdPath) -> Response:
    return await _change(request, service, session, experiment_id, service.stop, "Stopped.")
