"""Console profile pages (HTML): look a shopper up by any id, page their timeline."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from app.api.deps import RecommendationsDep, UsersDep
from app.console.profile_view import lookup_id, profile_page, timeline
from app.console.rendering import render
from app.console.security import SECURITY_HEADERS, ReadSession

router = APIRouter(prefix="/console/profiles", include_in_schema=False)


@router.get("")
async def profiles(request: Request, users: UsersDep, recommendations: RecommendationsDep,
                   session: ReadSession, id: Annotated[str, Query(max_length=256)] = ""
                   ) -> HTMLResponse:
    context = (await profile_page(users, recommendations, id.strip()) if id.strip()
               else {"query": ""})
    status = 404 if context.get("error") else 200
    return render(request, "profiles.html", session, status_code=status, **context)


@router.post("/find")
async def find(_: ReadSession, id: Annotated[str, Form(max_length=320)] = ""
               ) -> RedirectResponse:
    """The search form posts here, so an e-mail address typed in never reaches a URL: it is
    replaced by its hash, the id the profile is stored under."""
    return RedirectResponse("/console/profiles?" + urlencode({"id": lookup_id(id)}),
                            status_code=303, headers=SECURITY_HEADERS)


@router.get("/{user_id}/events")
async def more_events(request: Request, user_id: str, users: UsersDep,
                      session: ReadSession,
                      cursor: Annotated[str | None, Query(max_length=1000)] = None
                      ) -> HTMLResponse:
    """The next page of the timeline, as list items for htmx to put in place."""
    return render(request, "_timeline.html", session,
                  timeline=await timeline(users, user_id, cursor))
