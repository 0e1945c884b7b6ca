"""Post/Redirect/Get for the console's state-changing forms.

A form that changed something answers 303 to its page's GET address, so a refresh re-reads
the page instead of sending the action again. The one-line notice ("Started.") waits in the
server-side session (in the graph, saved before the redirect is answered, so any process can
show it), keyed by that page: nothing the user typed goes into a URL or a cookie, only the
next GET of that page shows it, and one left unread lapses after NOTICE_TTL_S.
"""

from __future__ import annotations

from time import time
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import RedirectResponse

from app.auth.console_sessions import ConsoleSession
from app.console.security import SECURITY_HEADERS

NOTICE_TTL_S = 60.0
MAX_NOTICES = 8  # per session: a few tabs' worth, never a growing pile


def redirect_with_notice(session: ConsoleSession, path: str, notice: str
                         ) -> RedirectResponse:
    """303 to the GET page at `path` (a console path, unquoted), which will show `notice`."""
    session.notices.pop(path, None)
    session.notices[path] = (notice, time())
    while len(session.notices) > MAX_NOTICES:
        del session.notices[next(iter(session.notices))]  # the oldest
    return RedirectResponse(quote(path), status_code=303, headers=SECURITY_HEADERS)


def take_notice(session: ConsoleSession, request: Request) -> str | None:
    """The notice waiting for this page, removed so that it is shown once."""
    entry = session.notices.pop(request.url.path, None)
    if entry is None or time() - entry[1] > NOTICE_TTL_S:
        return None
    return entry[0]
