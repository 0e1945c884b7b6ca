"""Templates, the navigation and the one way pages are rendered (security headers on all)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from app.auth.console_sessions import ConsoleSession
from app.console.field_problems import placed
from app.console.security import SECURITY_HEADERS

PACKAGE_DIR = Path(__file__).parent
TEMPLATES = Jinja2Templates(directory=str(PACKAGE_DIR / "templates"))
STATIC_DIR = PACKAGE_DIR / "static"


@dataclass(frozen=True)
class NavPage:
    path: str
    label: str
    scope: str


# The pages in the header, each shown only to keys holding its scope. A new page registers
# here and adds its route module (listed in app/console/install.py).
NAV: list[NavPage] = [
    NavPage("/console", "Overview", "read"),
    NavPage("/console/profiles", "Profiles", "read"),
    NavPage("/console/segments", "Segments", "segments"),
    NavPage("/console/analyst", "Analyst", "analyst"),
    NavPage("/console/models", "Models", "read"),
    NavPage("/console/experiments", "Experiments", "segments"),
]


def register_page(page: NavPage) -> None:
    if all(p.path != page.path for p in NAV):
        NAV.append(page)


def home_for(session: ConsoleSession) -> str:
    """The first page this key may open (a segments-only key lands on Segments)."""
    return next((p.path for p in NAV if session.allows(p.scope)), "/console/none")


def _when(value: Any) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "to_native"):
        return _when(value.to_native())
    if isinstance(value, str):
        try:
            return _when(datetime.fromisoformat(value))
        except ValueError:
            return value
    return "" if value is None else str(value)


TEMPLATES.env.filters["when"] = _when
# a problem {source, field, reason} in plain words with where it is (app/console/field_problems)
TEMPLATES.env.filters["problem"] = lambda issue: placed([issue], None)[0]


def render(request: Request, name: str, session: ConsoleSession | None,
           status_code: int = 200, **context: Any) -> HTMLResponse:
    nav = [p for p in NAV if session is not None and session.allows(p.scope)]
    ctx = {"session": session, "nav": nav, "path": request.url.path,
           "csrf_token": session.csrf_token if session else None, **context}
    response = TEMPLATES.TemplateResponse(request, name, ctx, status_code=status_code)
    response.headers.update(SECURITY_HEADERS)
    return response
