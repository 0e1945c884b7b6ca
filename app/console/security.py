"""Console sign-in checks: the session cookie, scopes, CSRF tokens and response headers.

Forms carry the session's CSRF token (a hidden field, and an `X-CSRF-Token` header on htmx
requests); the cookie is SameSite=Strict on top. The sign-in form, before any session
exists, uses a double-submit token in its own short-lived cookie.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any

from fastapi import Depends, Request, Response

from app.api.deps import AuthDep, ConsoleSessionsDep
from app.auth.api_keys import Scope
from app.auth.console_sessions import ConsoleSession

SESSION_COOKIE = "pg_console"
SIGNIN_COOKIE = "pg_console_signin"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SECURITY_HEADERS = {
    "Content-Security-Policy": ("default-src 'self'; script-src 'self'; style-src 'self'; "
                                "img-src 'self' data:; frame-ancestors 'none'; "
                                "form-action 'self'; base-uri 'none'"),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


class SignInRequired(Exception):
    """No valid session: the handler sends the browser to the sign-in page."""


class ScopeMissing(Exception):
    """The session's key lacks the page's scope: a 403 page."""

    def __init__(self, scope: str) -> None:
        super().__init__(scope)
        self.scope = scope


class CsrfRejected(Exception):
    """A write without this session's token: a 403 page."""


def is_https(request: Request) -> bool:
    return request.url.scheme == "https"


def set_cookie(response: Response, request: Request, name: str, value: str,
               max_age: int | None = None) -> None:
    response.set_cookie(name, value, max_age=max_age, path="/console", httponly=True,
                        samesite="strict", secure=is_https(request))


async def _presented_csrf(request: Request) -> str:
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    form = await request.form()  # parsed once; the route reads the cached form
    value = form.get(CSRF_FIELD)
    return value if isinstance(value, str) else ""


async def check_csrf(request: Request, expected: str) -> None:
    if request.method in SAFE_METHODS:
        return
    presented = await _presented_csrf(request)
    if not presented or not secrets.compare_digest(presented, expected):
        raise CsrfRejected()


def console_session(scope: Scope | None = None
                    ) -> Callable[..., AsyncIterator[ConsoleSession]]:
    """A dependency: the signed-in session (key re-checked), CSRF-checked for writes, and
    holding `scope` when one is named. Notices the page left or took are saved with the
    session (in the graph) before the answer is sent, so the next request finds them
    whichever process serves it."""
    async def current(request: Request, sessions: ConsoleSessionsDep, auth: AuthDep
                      ) -> AsyncIterator[ConsoleSession]:
        session_id = request.cookies.get(SESSION_COOKIE)
        session = await sessions.get(session_id)
        if session is None:
            raise SignInRequired()
        scopes = await auth.scopes_for_hash(session.key_hash, session.key_id)
        if scopes is None:  # revoked since sign-in
            await sessions.end(session_id)
            raise SignInRequired()
        session.scopes = scopes
        request.state.console_session = session  # the 403 page still shows this key's menu
        await check_csrf(request, session.csrf_token)
        if scope is not None and not session.allows(scope.value):
            raise ScopeMissing(scope.value)
        before = dict(session.notices)
        yield session
        if session.notices != before:
            await sessions.save_notices(session)

    return current


def _signed_in(scope: Scope | None = None) -> Any:
    # scope="function": the code after `yield` runs before the response is sent
    return Depends(console_session(scope), scope="function")


SignedIn = Annotated[ConsoleSession, _signed_in()]
ReadSession = Annotated[ConsoleSession, _signed_in(Scope.read)]
SegmentsSession = Annotated[ConsoleSession, _signed_in(Scope.segments)]
AnalystSession = Annotated[ConsoleSession, _signed_in(Scope.analyst)]
AdminSession = Annotated[ConsoleSession, _signed_in(Scope.admin)]
