"""Less common Segment shapes: screen, group, batch-level context, clock skew, merge chains."""

from __future__ import annotations

from datetime import UTC, datetime

from app.intake.identity_resolver import IdentityResolver
from app.intake.messages import MessageError, parse_message, snake_case
from tests.helpers import scalar, track

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def test_clock_skew_is_corrected_from_sent_at():
    msg = parse_message({"type": "track", "userId": "u", "event": "X",
                         "timestamp": "2026-11-22T11:00:00Z",
                         "sentAt": "2026-11-22T11:00:10Z"}, 0, NOW)
    # the device clock was 1 h behind: the event happened 10 s before receipt
    assert msg.ts == datetime(2026, 11, 22, 11, 59, 50, tzinfo=UTC)


def test_validation_only_leaves_properties_unscrubbed_and_refuses_the_same():
    raw = {"type": "track", "userId": "u", "event": "X",
           "properties": {"contact": "ann@example.com", "price": 3}}
    scrubbed = parse_message(raw, 0, NOW)
    checked = parse_message(raw, 0, NOW, scrub=False)  # Kafka mode: queued as sent
    assert scrubbed.properties["contact"].startswith("sha256:")
    assert checked.properties == raw["properties"]
    bad = {**raw, "properties": {"price": "NaN-ish", "revenue": 1e300}}
    errors = []
    for scrub in (True, False):
        try:
            parse_message(bad, 0, NOW, scrub=scrub)
        except MessageError as exc:
            errors.append(exc.field)
    assert len(errors) == 2 and errors[0] == errors[1]


def test_snake_case_and_errors():
    assert snake_case("Order Completed") == "order_completed"
    assert snake_case("  Checkout Step-Viewed!") == "checkout_step_viewed"
    try:
        parse_message({"type": "track", "userId": "anon:x", "event": "X"}, 0, NOW)
    except MessageError as exc:
        assert exc.field == "userId"
    else:
        raise AssertionError("reserved prefix accepted")


def test_merge_chain_resolves_to_one_profile():
    msgs = [parse_message(m, i, NOW) for i, m in enumerate([
        {"type": "track", "anonymousId": "a", "event": "X"},
        {"type": "identify", "userId": "u1", "anonymousId": "a"},
        {"type": "alias", "userId": "u2", "previousId": "u1"},
        {"type": "track", "userId": "u1", "event": "Y"},
    ])]
    resolution = IdentityResolver({("user_id", "u2"): "u2"}).resolve(msgs)
    assert {resolution.profile_of[m.index].root().user_id for m in msgs} == {"u2"}


async def test_screen_group_and_batch_context(client, graph, ingest_headers, opt_in):
    body = {
        "context": {"consent": {"categoryPreferences": {"Analytics": True}}},
        "batch": [
            {"type": "screen", "userId": "m1", "name": "Home", "messageId": "s1"},
            {"type": "group", "userId": "m1", "groupId": "g1", "messageId": "g1"},
            track("m1", "Checkout Started", revenue=3),
        ],
    }
    r = await client.post("/v1/batch", json=body, headers=ingest_headers)
    assert r.status_code == 200, r.text
    out = r.json()
    assert (out["stored"], out["dropped_reasons"]) == (2, {"unsupported_type": 1})
    types = await scalar(graph, "MATCH (:User {user_id:'m1'})-[:PERFORMED]->(e) "
                                "RETURN collect(e.type)")
    assert sorted(types) == ["checkout_started", "screen"]


async def test_consent_for_an_anonymous_visitor(client, graph, ingest_headers, opt_in):
    r = await client.put("/v1/users/anon:v1/consent",
                         json={"purposes": {"analytics": True}, "source": "banner"},
                         headers=ingest_headers)
    assert r.status_code == 200, r.text
    assert r.json()["user_id"] == "anon:v1"
    r = await client.post("/v1/track", json=track(anonymous_id="v1"), headers=ingest_headers)
    assert r.json()["stored"] == 1
    assert await scalar(graph, "MATCH (:Identity {kind:'anonymous_id', value:'v1'})"
                               "-[:IDENTIFIES]->(u)-[:PERFORMED]->(e) RETURN count(e)") == 1
