"""Consent per purpose set through the API. It runs through the intake pipeline as a
consent-only message, so history, merges and listeners behave exactly as for SDK consent."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from app.intake.identity_resolver import ANON_PREFIX
from app.intake.intake_service import IntakeService
from app.intake.messages import Message
from app.profiles.schemas import ConsentState
from app.profiles.user_service import UserService


class ConsentService:
    def __init__(self, intake: IntakeService, users: UserService) -> None:
        self._intake = intake
        self._users = users

    async def update(self, id_: str, purposes: dict[str, bool], source: str) -> ConsentState:
        now = datetime.now(UTC)
        anonymous = id_.startswith(ANON_PREFIX)
        message = Message(
            index=0, type="identify", message_id=f"consent-{uuid.uuid4()}",
            user_id=None if anonymous else id_,
            anonymous_id=id_[len(ANON_PREFIX):] if anonymous else None,
            ts=now, consent=dict(purposes),
        )
        await self._intake.ingest([message], now, source=source)
        return await self._users.consent(id_)
