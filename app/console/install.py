"""Mounts the console on the app: its routers, static files and sign-in/scope handlers."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from app.console.rendering import STATIC_DIR, render
from app.console.routes import (
    analyst,
    decisions,
    destinations,
    experiments,
    models,
    pages,
    profiles,
    segment_export,
    segments,
)
from app.console.security import SECURITY_HEADERS, CsrfRejected, ScopeMissing, SignInRequired


async def _sign_in(request: Request, _: Exception) -> Response:
    if request.headers.get("hx-request"):  # htmx follows this header with a full page load
        return Response(status_code=204, headers={"HX-Redirect": "/console/signin"})
    return RedirectResponse("/console/signin", status_code=303, headers=SECURITY_HEADERS)


async def _scope_missing(request: Request, exc: Exception) -> HTMLResponse:
    scope = exc.scope if isinstance(exc, ScopeMissing) else "?"
    return render(request, "denied.html", getattr(request.state, "console_session", None),
                  status_code=403, reason=f"This API key lacks the '{scope}' scope.")


async def _csrf(request: Request, _: Exception) -> HTMLResponse:
    return render(request, "denied.html", getattr(request.state, "console_session", None),
                  status_code=403,
                  reason="The form's security token is missing or stale; reload the page.")


def install_console(app: FastAPI) -> None:
    for module in (pages, profiles, segments, analyst, models, experiments, segment_export,
                   destinations, decisions):
        app.include_router(module.router)
    app.mount("/console/static", StaticFiles(directory=STATIC_DIR), name="console-static")
    app.add_exception_handler(SignInRequired, _sign_in)
    app.add_exception_handler(ScopeMissing, _scope_missing)
    app.add_exception_handler(CsrfRejected, _csrf)
