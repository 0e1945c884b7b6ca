"""API keys: created and revoked by admins, stored hashed, scopes enforced."""

from __future__ import annotations

from tests.helpers import scalar, track


async def test_key_lifecycle(client, graph, admin_headers, opt_out):
    r = await client.post("/v1/admin/keys", json={"name": "shop", "scopes": ["ingest", "read"]},
                          headers=admin_headers)
    assert r.status_code == 201, r.text
    created = r.json()
    key, key_id = created["key"], created["key_id"]
    stored = await scalar(graph, "MATCH (k:ApiKey {key_id:$id}) RETURN properties(k)", id=key_id)
    assert key not in repr(stored) and len(stored["key_hash"]) == 64
    headers = {"Authorization": f"Bearer {key}"}
    assert (await client.post("/v1/track", json=track("u1"), headers=headers)).status_code == 200
    assert (await client.get("/v1/users/u1/profile", headers=headers)).status_code == 200
    assert (await client.get("/v1/admin/keys", headers=headers)).status_code == 403

    listed = (await client.get("/v1/admin/keys", headers=admin_headers)).json()
    assert [k["key_id"] for k in listed] == [key_id] and "key" not in listed[0]
    r = await client.delete(f"/v1/admin/keys/{key_id}", headers=admin_headers)
    assert r.status_code == 200 and r.json()["revoked_at"] is not None
    assert (await client.post("/v1/track", json=track("u1"), headers=headers)).status_code == 401
    assert (await client.delete("/v1/admin/keys/nope", headers=admin_headers)).status_code == 404


async def test_key_bad_scopes(client, graph, admin_headers):
    r = await client.post("/v1/admin/keys", json={"name": "x", "scopes": ["root"]},
                          headers=admin_headers)
    assert r.status_code == 422 and r.json()["error"]["fields"][0]["field"] == "/scopes/0"
    assert (await client.post("/v1/admin/keys", json={"name": "x", "scopes": ["read"]})
            ).status_code == 401
