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


class _AnswerAtCall(_SlowRepository):
    """Answers with the key as stored when asked, once released (each lookup on its own)."""

    def __init__(self, stored: dict[str, StoredKey]) -> None:
        super().__init__(stored)
        self.releases: list[asyncio.Event] = []

    async def get(self, key_id: str) -> StoredKey | None:
        self.gets += 1
        answer, release = self.stored.get(key_id), asyncio.Event()
        self.releases.append(release)
        await release.wait()
        return answer


async def test_a_lookup_begun_before_a_revocation_is_not_remembered() -> None:
    key_id, key = generate_key()
    repository = _AnswerAtCall({key_id: StoredKey(hash_key(key), frozenset({"read"}), False)})
    auth = AuthService(Settings(), repository)  # type: ignore[arg-type]
    before = asyncio.create_task(auth.scopes_for(key))
    await asyncio.sleep(0.01)
    repository.stored[key_id] = StoredKey(hash_key(key), frozenset({"read"}), True)  # revoked
    auth.forget()
    after = asyncio.create_task(auth.scopes_for(key))  # a lookup of its own, after forget()
    await asyncio.sleep(0.01)
    repository.releases[1].set()
    assert await after is None
    repository.releases[0].set()
    assert await before == frozenset({"read"})  # read before the revocation: its own answer
    assert await auth.scopes_for(key) is None  # ... not remembered for later requests
    assert repository.gets == 2
