"""identify/alias merge rules: one profile per person, merges recorded, PII only hashed."""

from __future__ import annotations

import hashlib

from tests.helpers import scalar, track


async def _send(client, headers, *messages):
    r = await client.post("/v1/batch", json={"batch": list(messages)}, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


async def test_anonymous_then_identified_becomes_one_profile(client, graph, ingest_headers,
                                                             opt_out):
    await _send(client, ingest_headers, track(anonymous_id="a1"), track(anonymous_id="a1"))
    await _send(client, ingest_headers,
                {"type": "identify", "userId": "u1", "anonymousId": "a1",
                 "traits": {"name": "Ann"}})
    await _send(client, ingest_headers, track("u1", "Order Completed", revenue=5))
    users = await scalar(graph, "MATCH (u:User) RETURN collect(u.user_id)")
    assert users == ["u1"]
    assert await scalar(graph, "MATCH (:User {user_id:'u1'})-[:PERFORMED]->(e) "
                               "RETURN count(e)") == 3
    assert await scalar(graph, "MATCH (u:User {user_id:'u1'}) RETURN u.event_count") == 3
    merge = await scalar(graph, "MATCH (:User {user_id:'u1'})-[:MERGED_FROM]->(m) "
                                "RETURN m {.from_user_id, .via}")
    assert merge == {"from_user_id": "anon:a1", "via": "identify"}


async def test_anonymous_activity_merges_into_existing_user(client, graph, ingest_headers,
                                                            opt_out):
    await _send(client, ingest_headers, track("u1"))
    await _send(client, ingest_headers, track(anonymous_id="a2"), track(anonymous_id="a2"))
    out = await _send(client, ingest_headers, track("u1", anonymous_id="a2"))
    assert out["stored"] == 1
    assert await scalar(graph, "MATCH (u:User) RETURN count(u)") == 1
    user = await scalar(graph, "MATCH (u:User {user_id:'u1'}) RETURN properties(u)")
    assert user["event_count"] == 4 and user["count_product_viewed"] == 4
    kinds = await scalar(graph, "MATCH (i:Identity)-[:IDENTIFIES]->(:User {user_id:'u1'}) "
                                "RETURN collect(i.kind + ':' + i.value)")
    assert sorted(kinds) == ["anonymous_id:a2", "user_id:u1"]


async def test_same_batch_anonymous_and_identify(client, graph, ingest_headers, opt_out):
    await _send(client, ingest_headers, track(anonymous_id="a3"),
                {"type": "identify", "userId": "u3", "anonymousId": "a3"},
                track("u3"))
    assert await scalar(graph, "MATCH (u:User) RETURN collect(u.user_id)") == ["u3"]
    assert await scalar(graph, "MATCH (:User {user_id:'u3'})-[:PERFORMED]->(e) "
                               "RETURN count(e)") == 2


async def test_known_users_on_a_shared_device_stay_apart(client, graph, ingest_headers,
                                                         opt_out):
    await _send(client, ingest_headers, track("u1", anonymous_id="dev"))
    await _send(client, ingest_headers, track("u2", anonymous_id="dev"))
    assert await scalar(graph, "MATCH (u:User) RETURN count(u)") == 2
    assert await scalar(graph, "MATCH (:Identity {kind:'anonymous_id', value:'dev'})"
                               "-[:IDENTIFIES]->(u) RETURN u.user_id") == "u1"


async def test_alias_merges_two_known_profiles(client, graph, ingest_headers, opt_out):
    await _send(client, ingest_headers, track("old", "Order Completed", revenue=10),
                {"type": "identify", "userId": "old", "traits": {"city": "Oslo"},
                 "context": {"consent": {"categoryPreferences": {"Marketing": True}}}})
    await _send(client, ingest_headers, track("new"),
                {"type": "identify", "userId": "new", "traits": {"city": "Bergen"}})
    out = await _send(client, ingest_headers,
                      {"type": "alias", "userId": "new", "previousId": "old"})
    assert out["stored"] == 1
    user = await scalar(graph, "MATCH (u:User) RETURN collect(properties(u))")
    assert len(user) == 1 and user[0]["user_id"] == "new"
    assert user[0]["trait_city"] == "Bergen"  # the survivor's traits win
    assert user[0]["event_count"] == 2 and user[0]["revenue_total"] == 10.0
    assert user[0]["rfm_f"] == 1
    assert await scalar(graph, "MATCH (:User {user_id:'new'})-[c:CONSENTED]->"
                               "(:Purpose {name:'marketing'}) RETURN c.status") == "granted"
    merge = await scalar(graph, "MATCH (:User)-[:MERGED_FROM]->(m:ProfileMerge {via:'alias'}) "
                                "RETURN m {.from_user_id, .reason, .at}")
    assert merge["from_user_id"] == "old" and merge["at"] is not None
    # the old id still finds the profile, and new events for it land there
    await _send(client, ingest_headers, track("old"))
    assert await scalar(graph, "MATCH (u:User) RETURN count(u)") == 1
    assert await scalar(graph, "MATCH (:User {user_id:'new'})-[:PERFORMED]->(e) "
                               "RETURN count(e)") == 3


async def test_email_and_phone_only_hashed(client, graph, ingest_headers, opt_out):
    await _send(client, ingest_headers, {
        "type": "identify", "userId": "u9",
        "traits": {"email": " Ann@Example.COM ", "phone": "+47 912 34 567", "name": "Ann",
                   "backup": "ann.other@example.org"}})
    await _send(client, ingest_headers, track("u9", contact="ann@example.com"))
    rows, _, _ = await graph.execute_query("MATCH (n) RETURN properties(n) AS p")
    dump = repr([r["p"] for r in rows]).lower()
    assert "ann@example.com" not in dump and "912 34 567" not in dump
    assert "ann.other@example.org" not in dump
    digest = hashlib.sha256(b"ann@example.com").hexdigest()
    assert await scalar(graph, "MATCH (i:Identity {kind:'email_sha256', value:$v})"
                               "-[:IDENTIFIES]->(u) RETURN u.user_id", v=digest) == "u9"
    phone = hashlib.sha256(b"+4791234567").hexdigest()
    assert await scalar(graph, "MATCH (i:Identity {kind:'phone_sha256', value:$v}) "
                               "RETURN count(i)", v=phone) == 1
    assert await scalar(graph, "MATCH (u:User {user_id:'u9'}) RETURN u.trait_name") == "Ann"


async def test_email_links_anonymous_profile(client, graph, ingest_headers, opt_out):
    await _send(client, ingest_headers, {"type": "identify", "anonymousId": "a7",
                                         "traits": {"email": "bo@example.com"}},
                track(anonymous_id="a7"))
    await _send(client, ingest_headers, {"type": "identify", "userId": "u7",
                                         "traits": {"email": "BO@example.com"}})
    assert await scalar(graph, "MATCH (u:User) RETURN collect(u.user_id)") == ["u7"]
    assert await scalar(graph, "MATCH (:User {user_id:'u7'})-[:PERFORMED]->(e) "
                               "RETURN count(e)") == 1


async def test_merge_notifies_listeners(client, graph, ingest_headers, opt_out):
    from app.intake.ingest_hooks import IngestedChange

    seen: list[IngestedChange] = []

    async def listener(change: IngestedChange) -> None:
        seen.append(change)

    client._transport.app.state.services.ingest_hooks.register(listener)
    await _send(client, ingest_headers, track(anonymous_id="a8"))
    await _send(client, ingest_headers, track("u8"))
    await _send(client, ingest_headers, {"type": "identify", "userId": "u8",
                                         "anonymousId": "a8"})
    # a new profile under opt-out also gets its default consent recorded
    assert seen[0].types_by_user == {"anon:a8": frozenset({"product_viewed", "consent"})}
    assert seen[-1].merged == {"anon:a8": "u8"}
    assert seen[-1].types_by_user == {"u8": frozenset({"identify"})}


async def test_encrypted_copy_only_with_a_key(client, graph, ingest_headers, admin_headers,
                                              settings, opt_out):
    import httpx
    from cryptography.fernet import Fernet
    from pydantic import SecretStr

    from app.main import create_app

    identify = {"type": "identify", "userId": "k1", "traits": {"email": "Kim@Example.com"}}
    await _send(client, ingest_headers, identify)
    assert await scalar(graph, "MATCH (i:Identity {kind:'email_sha256'}) "
                               "RETURN i.value_sealed") is None
    doc = (await client.get("/v1/users/k1/export", headers=admin_headers)).json()
    assert doc["contact_details"] == []

    settings.pii_encryption_key = SecretStr(Fernet.generate_key().decode())
    try:
        keyed = create_app(settings)  # the key is read when the services are built
        async with keyed.router.lifespan_context(keyed), httpx.AsyncClient(
                transport=httpx.ASGITransport(app=keyed), base_url="http://test") as client:
            await _send(client, ingest_headers, {**identify, "userId": "k2",
                                                 "traits": {"phone": "+47 400 00 000"}})
            sealed = await scalar(graph, "MATCH (i:Identity {kind:'phone_sha256'}) "
                                         "RETURN i.value_sealed")
            assert sealed and "400" not in sealed
            doc = (await client.get("/v1/users/k2/export", headers=admin_headers)).json()
            assert doc["contact_details"] == [{"kind": "phone_sha256",
                                               "value": "+4740000000"}]
            assert "value_sealed" not in repr(doc["profile"])
    finally:
        settings.pii_encryption_key = None


def test_encryption_key_must_be_a_fernet_key():
    import pytest
    from pydantic import ValidationError

    from app.core.config import Settings

    with pytest.raises(ValidationError, match="Fernet key"):
        Settings(pii_encryption_key="not-a-key")


async def test_alias_to_itself_is_refused(client, graph, ingest_headers, opt_out):
    r = await client.post("/v1/alias", json={"userId": "u9", "previousId": "u9"},
                          headers=ingest_headers)
    # 422 like every other invalid message (the intake's code for a field it refuses)
    assert r.status_code == 422, r.text
    (field,) = r.json()["error"]["fields"]
    assert field["field"] == "previousId" and "alias to itself" in field["reason"]
    assert await scalar(graph, "MATCH (u:User) RETURN count(u)") == 0
