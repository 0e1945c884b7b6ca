"""The profile page's overview: one statement that answers what the separate reads answer."""

from __future__ import annotations

import hashlib
import uuid
from contextvars import ContextVar

import pytest

from app.core.errors import ApiError
from app.db.database import Database
from tests.helpers import track

EMAIL = "ann@example.com"


async def _seed(client, ingest_headers, admin_headers) -> None:
    # an anonymous visitor who signs in as u1 (one merged profile), 25 events so the first
    # timeline page has a next page, and u2 viewing some of the same items (a neighbour)
    first = [{**track(anonymous_id="a1", product_id="p1"), "timestamp": "2026-10-01T09:00:00Z"}]
    r = await client.post("/v1/batch", json={"batch": first}, headers=ingest_headers)
    assert r.status_code == 200, r.text
    batch = [{**track("u1", "Product Viewed" if i % 3 else "Product Added",
                       product_id=f"p{i % 4}"), "timestamp": f"2026-10-{i + 2:02d}T10:00:00Z"}
              for i in range(24)]
    batch += [{**track("u2", product_id=p), "timestamp": "2026-10-03T11:00:00Z"}
              for p in ("p1", "p2")]
    batch += [{"type": "identify", "messageId": str(uuid.uuid4()), "userId": "u1",
               "anonymousId": "a1", "traits": {"plan": "pro", "email": EMAIL}}]
    r = await client.post("/v1/batch", json={"batch": batch}, headers=ingest_headers)
    assert r.status_code == 200, r.text
    for granted in (False, True):
        r = await client.put("/v1/users/u1/consent", json={"purposes": {"marketing": granted}},
                             headers=admin_headers)
        assert r.status_code in (200, 204), r.text


COUNTING: ContextVar[list[str] | None] = ContextVar("counting", default=None)


@pytest.fixture
def statements(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The Neo4j statements issued by the code under test, by the access module's entry
    points, while the test has set COUNTING to the list: only calls made in the test's
    context count (tasks it starts inherit it); the app's background workers run in theirs."""
    issued: list[str] = []
    for name in ("read_records", "write_records", "_autocommit_once", "read_tx", "write_tx"):
        original = getattr(Database, name)

        def counted(self, *args, _original=original, _name=name, **kwargs):
            if (mine := COUNTING.get()) is not None:
                mine.append(_name)
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(Database, name, counted)
    return issued


async def test_overview_answers_as_the_separate_reads_in_one_statement(
        client, services, ingest_headers, admin_headers, opt_out, statements) -> None:
    await _seed(client, ingest_headers, admin_headers)
    users = services.users
    email_id = "sha256:" + hashlib.sha256(EMAIL.encode()).hexdigest()
    for id_ in ("u1", "a1", email_id):
        COUNTING.set(statements)
        statements.clear()
        view = await users.overview(id_, events=20)
        assert len(statements) == 1, statements  # the resolution and all four reads
        COUNTING.set(None)
        assert view["profile"] == await users.profile(id_)
        assert view["events"] == await users.events(id_, type_=None, since=None, until=None,
                                                    cursor=None, limit=20)
        assert view["consent_history"] == await users.consent_history(id_)
    assert view["profile"].user_id == "u1" and [m.from_user_id for m in
                                                view["profile"].merges] != []
    assert len(view["events"].events) == 20 and view["events"].next_cursor is not None
    assert [c["status"] for c in view["consent_history"]
            if c["purpose"] == "marketing"][-2:] == ["denied", "granted"]
    hood = view["neighbourhood"]
    assert hood["user_id"] == "u1"
    assert {i["item_id"] for i in hood["items"]} == {"p0", "p1", "p2", "p3"}
    assert [n["user_id"] for n in hood["neighbours"]] == ["u2"]
    assert sorted(hood["neighbours"][0]["shared"]) == ["p1", "p2"]
    assert (await users.neighbourhood("a1")) == hood


async def test_overview_of_an_unknown_id_is_404_and_an_empty_profile_has_empty_parts(
        client, services, ingest_headers, admin_headers, opt_out) -> None:
    with pytest.raises(ApiError) as refused:
        await services.users.overview("nobody")
    assert refused.value.status_code == 404
    r = await client.post("/v1/batch", json={"batch": [
        {"type": "identify", "messageId": str(uuid.uuid4()), "userId": "quiet",
         "traits": {"plan": "free"}}]}, headers=ingest_headers)
    assert r.status_code == 200, r.text
    view = await services.users.overview("quiet")
    assert view["profile"].traits == {"plan": "free"}
    assert view["events"].events == [] and view["events"].next_cursor is None
    assert view["consent_history"] == await services.users.consent_history("quiet")
    assert view["neighbourhood"] == {"user_id": "quiet", "items": [], "neighbours": []}
