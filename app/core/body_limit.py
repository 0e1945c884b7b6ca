"""A size limit on every request body, enforced while it streams in.

A declared Content-Length over the limit is answered 413 before a byte is read; a chunked or
understated body is cut off as soon as it passes the limit. Routes may set lower limits of
their own (intake messages, segment definitions); this one bounds everything else.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.errors import error_body


class BodyTooLarge(HTTPException):
    """An HTTPException, so FastAPI's body parsing passes it on rather than answer 400."""

    def __init__(self, limit: int) -> None:
        self.message = f"request body is larger than {limit // 1024} KB"
        super().__init__(413, self.message)
        self.code = "payload_too_large"
        self.fields = [{"field": "body", "reason": self.message}]


async def send_error(send: Send, status: int, body: dict, headers: dict[str, str] | None = None
                     ) -> None:
    import orjson

    raw = orjson.dumps(body)
    extra = [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(raw)).encode()),
        *extra]})
    await send({"type": "http.response.body", "body": raw})


def declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers") or []:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = declared_length(scope)
        if declared is not None and declared > self.limit:
            exc = BodyTooLarge(self.limit)
            await send_error(send, 413, error_body(exc.code, exc.message, exc.fields),
                             {"connection": "close"})
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise BodyTooLarge(self.limit)
            return message

        await self.app(scope, limited, send)
