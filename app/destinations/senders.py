"""How a delivery leaves the service: the sender of each destination kind.

A sender turns one delivery into one attempt and says how it went; the worker decides about
retries. Webhooks follow Standard Webhooks (the `standardwebhooks` package signs): headers
`webhook-id` (the delivery id), `webhook-timestamp` (seconds) and `webhook-signature`
(`v1,<base64 HMAC-SHA256 of id.timestamp.body>` with the destination's `whsec_` secret). A
2xx answer is success; anything else, a timeout or a connection error is a failure. Redirects
are not followed (a redirect could lead past the SSRF guard).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Protocol

import httpx
from standardwebhooks import Webhook

from app.destinations.delivery_repository import Outcome
from app.destinations.payloads import body
from app.destinations.target_guard import Network, TargetRefused, check_target

USER_AGENT = "ProfileGraph-Webhooks/1"


class Sender(Protocol):
    async def preflight(self, destination: dict[str, Any]) -> str | None:
        """Why nothing may be sent to this destination now (None: go ahead)."""

    async def send(self, destination: dict[str, Any], delivery: dict[str, Any]) -> Outcome:
        """One attempt at one delivery."""

    async def close(self) -> None: ...


def signed_headers(secret: str, delivery_id: str, payload: bytes,
                   now: datetime | None = None) -> dict[str, str]:
    now = now or datetime.now(UTC)
    return {"webhook-id": delivery_id, "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": Webhook(secret).sign(delivery_id, now, payload),
            "content-type": "application/json", "user-agent": USER_AGENT}


class WebhookSender:
    def __init__(self, allowed: list[Network], timeout_s: float) -> None:
        self._allowed = allowed
        self._client = httpx.AsyncClient(timeout=timeout_s, follow_redirects=False,
                                         limits=httpx.Limits(max_connections=64))

    async def preflight(self, destination: dict[str, Any]) -> str | None:
        """The SSRF guard again: the target's name may resolve elsewhere than when saved."""
        try:
            await check_target(destination["target"], self._allowed)
        except TargetRefused as exc:
            return f"target refused: {exc}"
        return None

    async def send(self, destination: dict[str, Any], delivery: dict[str, Any]) -> Outcome:
        payload = body(delivery)
        headers = signed_headers(destination["secret"], delivery["delivery_id"], payload)
        try:
            response = await self._client.post(destination["target"], content=payload,
                                               headers=headers)
        except httpx.HTTPError as exc:
            return Outcome(delivery["delivery_id"], False,
                           error=f"{type(exc).__name__}: {exc}"[:500])
        ok = 200 <= response.status_code < 300
        return Outcome(delivery["delivery_id"], ok, status=response.status_code,
                       error=None if ok else f"HTTP {response.status_code}")

    async def close(self) -> None:
        await self._client.aclose()
