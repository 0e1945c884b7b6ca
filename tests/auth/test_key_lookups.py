"""A key's lookup is made once for all the requests in flight with it (pure: a repository
that counts and waits)."""

from __future__ import annotations

import asyncio

from app.auth.api_key_repository import StoredKey
from app.auth.api_keys import generate_key, hash_key
from app.auth.auth_service import AuthService
from app.core.config import Settings


class _SlowRepository:
    def __init__(self, stored: dict[str, StoredKey]) -> None:
        self.stored, self.gets = stored, 0
        self.release = asyncio.Event()

    async def get(self, key_id: str) -> StoredKey | None:
        self.gets += 1
        await self.release.wait()
        return self.stored.get(key_id)


async def test_requests_in_flight_with_one_key_share_its_lookup() -> None:
    key_id, key = generate_key()
    repository = _SlowRepository({key_id: StoredKey(hash_key(key), frozenset({"read"}), False)})
    auth = AuthService(Settings(), repository)  # type: ignore[arg-type]
    waiting = [asyncio.create_task(auth.scopes_for(key)) for _ in range(20)]
    _, other = generate_key()
    unknown = asyncio.create_task(auth.scopes_for(other))
    await asyncio.sleep(0.01)
    waiting[0].cancel()  # a request that goes away leaves the others their answer
    repository.release.set()
    answers = await asyncio.gather(*waiting[1:])
    assert answers == [frozenset({"read"})] * 19
    assert await unknown is None
    assert repository.gets == 2  # one per key
    assert await auth.scopes_for(key) == frozenset({"read"}) and repository.gets == 2
