"""GET /v1/users/{id}/decisions over a real Neo4j: every shopper gets exactly the variant
the rules say, with the rule and a readable reason; without consent, the default."""

from __future__ import annotations

import httpx
from neo4j import AsyncDriver

from app.core.config import Settings
from tests.decisions.fixtures import decide as get
from tests.decisions.fixtures import storefront


async def test_each_shopper_gets_the_variant_the_rules_say(
        client: httpx.AsyncClient, graph: AsyncDriver, admin_headers: dict,
        read_headers: dict, opt_in: Settings) -> None:
    await storefront(graph, client, admin_headers)
    expected = {  # shopper -> (variant, rule index or None)
        "vip": ("premium", 0), "likely": ("offer", 1), "edge": ("offer", 1),
        "cold": ("generic", None), "big-spender": ("picks", 3), "unscored": ("generic", None),
    }
    for user, (variant, rule) in expected.items():
        body = await get(client, read_headers, user)
        assert (body["variant"]["id"], body["rule"] and body["rule"]["index"]) == \
            (variant, rule), (user, body)
        assert body["personalized"] is True and body["version"] == 1
        assert len(body["decision_id"]) == 32 and body["experiment"] is None

    vip = await get(client, read_headers, "vip")
    assert vip["reason"] == "rule 1 'Gold members' matched: member of segment 'gold'"
    assert vip["variant"] == {"id": "premium", "title": "Welcome back",
                              "image_url": "https://cdn.example/p.png", "link": "/premium",
                              "recommendation": None}
    likely = await get(client, read_headers, "likely")
    assert likely["reason"] == ("rule 2 'Likely buyers' matched: predicted purchase "
                                "probability (30 days) ≥ 0.6 (0.7)")
    cold = await get(client, read_headers, "cold")
    assert cold["reason"] == "no rule matched: the default"
    picks = await get(client, read_headers, "big-spender")
    assert picks["variant"]["recommendation"] == {
        "limit": 4, "category": "hats",
        "href": "/v1/users/big-spender/recommendations?limit=4&category=hats"}
    assert "predicted value (90 days) ≥ 200 (250)" in picks["reason"]


async def test_context_rules_use_the_request(client: httpx.AsyncClient, graph: AsyncDriver,
                                             admin_headers: dict, read_headers: dict,
                                             opt_in: Settings) -> None:
    await storefront(graph, client, admin_headers)
    shoes = await get(client, read_headers, "cold", device="mobile", context_item="sku-1")
    assert (shoes["variant"]["id"], shoes["rule"]["name"]) == ("shoes", "Shoes on mobile")
    assert shoes["reason"] == ("rule 3 'Shoes on mobile' matched: device is 'mobile' "
                               "('mobile') and viewed category is 'shoes' ('shoes')")
    hats = await get(client, read_headers, "cold", device="mobile", context_item="sku-2")
    desktop = await get(client, read_headers, "cold", device="desktop", context_item="sku-1")
    assert hats["variant"]["id"] == desktop["variant"]["id"] == "generic"
    # an earlier rule still wins over the context
    assert (await get(client, read_headers, "vip", device="mobile",
                      context_item="sku-1"))["variant"]["id"] == "premium"


async def test_without_consent_only_the_default(client: httpx.AsyncClient, graph: AsyncDriver,
                                                admin_headers: dict, read_headers: dict,
                                                settings: Settings) -> None:
    await storefront(graph, client, admin_headers)
    previous = settings.consent_default
    try:
        settings.consent_default = "opt_in"
        for user in ("refused", "silent"):  # gold and likely buyers both, without consent
            body = await get(client, read_headers, user)
            assert (body["variant"]["id"], body["rule"], body["personalized"]) == \
                ("generic", None, False)
            assert body["reason"] == "no personalization consent: the default is served"
        unknown = await get(client, read_headers, "nobody")
        assert (unknown["variant"]["id"], unknown["personalized"]) == ("generic", False)
        assert unknown["reason"] == "unknown shopper: the default is served"
        # under an opt-out policy a shopper who never stated consent is personalized; a
        # stated refusal still is not
        settings.consent_default = "opt_out"
        assert (await get(client, read_headers, "silent"))["variant"]["id"] == "premium"
        assert (await get(client, read_headers, "refused"))["variant"]["id"] == "generic"
    finally:
        settings.consent_default = previous
    # consent withdrawn through the API: the default from the next decision on
    r = await client.put("/v1/users/vip/consent", json={"purposes": {"personalization": False}},
                         headers=admin_headers)
    assert r.status_code == 200, r.text
    assert (await get(client, read_headers, "vip"))["variant"]["id"] == "generic"


async def test_bad_requests(client: httpx.AsyncClient, graph: AsyncDriver, admin_headers: dict,
                            read_headers: dict) -> None:
    await storefront(graph, client, admin_headers)
    r = await client.get("/v1/users/vip/decisions", params={"placement": "nope"},
                         headers=read_headers)
    assert r.status_code == 404 and r.json()["error"]["fields"][0]["field"] == "placement"
    r = await client.get("/v1/users/vip/decisions", headers=read_headers)
    assert r.status_code == 422 and "placement" in r.text
    r = await client.get("/v1/users/vip/decisions", params={"placement": "home_banner"})
    assert r.status_code == 401


async def test_preview_of_a_draft_and_of_the_saved_placement(
        client: httpx.AsyncClient, graph: AsyncDriver, admin_headers: dict,
        read_headers: dict, opt_in: Settings) -> None:
    await storefront(graph, client, admin_headers)
    saved = await client.post("/v1/placements/preview",
                              json={"user_id": "big-spender", "placement_id": "home_banner"},
                              headers=admin_headers)
    assert saved.status_code == 200, saved.text
    body = saved.json()
    assert (body["variant"]["id"], body["version"]) == ("picks", 1)
    assert [t["matched"] for t in body["trace"]] == [False, False, False, True]
    assert body["trace"][0]["explanation"] == "not a member of segment 'gold'"
    assert body["predictions"]["pred_value_90d"] == 250.0
    draft = {"id": "home_banner", "name": "Draft", "default": "generic",
             "variants": [{"id": "generic", "title": "Hi"}, {"id": "vip", "title": "VIP"}],
             "rules": [{"name": "spenders", "variant": "vip", "when": {
                 "type": "trait", "property": "pred_value_90d", "op": "gt", "value": 100}}]}
    r = await client.post("/v1/placements/preview",
                          json={"user_id": "big-spender", "placement": draft},
                          headers=admin_headers)
    assert r.status_code == 200, r.text
    assert (r.json()["variant"]["id"], r.json()["version"]) == ("vip", None)
    # previews serve nothing: the saved placement is unchanged
    assert (await get(client, read_headers, "big-spender"))["variant"]["id"] == "picks"
    both = await client.post("/v1/placements/preview", json={
        "user_id": "vip", "placement": draft, "placement_id": "home_banner"},
        headers=admin_headers)
    assert both.status_code == 422
    denied = await client.post("/v1/placements/preview", json={
        "user_id": "vip", "placement_id": "home_banner"}, headers=read_headers)
    assert denied.status_code == 403
