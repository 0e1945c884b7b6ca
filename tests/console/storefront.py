"""A small storefront for the console tests, sent through the real intake API, and two
hand-made model runs (numpy only) so the models page has something to show."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from recmodel.artifact import set_current, write_artifact

ITEMS = {"i1": ("Red mug", "kitchen"), "i2": ("Blue mug", "kitchen"), "i3": ("Teapot", "kitchen"),
         "i4": ("Lamp", "home"), "i5": ("Rug", "home"), "i6": ("Novel", "books")}
SHOPPERS = [f"shopper-{n}" for n in range(1, 7)]
ANONYMOUS_ID = "anon-42"


def _ts(days_ago: float) -> str:
    return (datetime.now(UTC) - timedelta(days=days_ago)).isoformat()


def _track(name: str, item_id: str, days_ago: float, **who: str) -> dict[str, Any]:
    title, category = ITEMS[item_id]
    props: dict[str, Any] = {"product_id": item_id, "name": title, "category": category,
                             "price": 12.5}
    if name == "Order Completed":
        props = {"order_id": str(uuid.uuid4()), "revenue": 25.0,
                 "products": [{**props, "quantity": 2}]}
    return {"type": "track", "messageId": str(uuid.uuid4()), "event": name,
            "properties": props, "timestamp": _ts(days_ago), **who}


def messages() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    items = list(ITEMS)
    for n, user in enumerate(SHOPPERS):
        out.append({"type": "identify", "messageId": str(uuid.uuid4()), "userId": user,
                    "traits": {"plan": "pro" if n % 2 == 0 else "free", "country": "NO"},
                    "timestamp": _ts(20)})
        for k in range(3):
            out.append(_track("Product Viewed", items[(n + k) % 6], 10 - k, userId=user))
        if n < 4:
            out.append(_track("Order Completed", items[n % 6], 2 + n, userId=user))
    # an anonymous visitor who later signs in as shopper-1: one merged profile
    out += [_track("Product Viewed", "i5", 3, anonymousId=ANONYMOUS_ID),
            _track("Product Viewed", "i6", 2.5, anonymousId=ANONYMOUS_ID)]
    return out


def seed(base_url: str, admin_key: str) -> None:
    headers = {"Authorization": f"Bearer {admin_key}"}
    with httpx.Client(base_url=base_url, headers=headers, timeout=30) as http:
        r = http.post("/v1/batch", json={"batch": messages()})
        assert r.status_code == 200, r.text
        r = http.post("/v1/identify", json={"messageId": str(uuid.uuid4()),
                                            "userId": "shopper-1",
                                            "anonymousId": ANONYMOUS_ID})
        assert r.status_code == 200, r.text


def create_key(base_url: str, admin_key: str, *scopes: str) -> str:
    r = httpx.post(f"{base_url}/v1/admin/keys", json={"name": "console", "scopes": list(scopes)},
                   headers={"Authorization": f"Bearer {admin_key}"}, timeout=30)
    assert r.status_code == 201, r.text
    return r.json()["key"]


def write_model_runs(artifacts_dir: Path) -> list[str]:
    """Two runs, the newer promoted; metrics shaped as training writes them."""
    rng = np.random.default_rng(7)
    versions = []
    for n, (recall, base) in enumerate([(0.21, 0.12), (0.27, 0.12)]):
        manifest = {"model": "lightgcn", "dataset": "console-test",
                    "trained_at": _ts(2 - n), "promote_metric": "val.recall@20",
                    "metrics": {"val": {"recall@20": recall, "ndcg@20": recall / 2, "users": 6},
                                "test": {"recall@20": recall - 0.02, "ndcg@20": recall / 2.2,
                                         "users": 6}},
                    "baselines": {"val": {"popularity": {"recall@20": base, "ndcg@20": base / 2,
                                                         "users": 6}}},
                    "training": {"best_epoch": 8 + n, "epochs_run": 12 + n}}
        path = write_artifact(artifacts_dir, rng.normal(size=(6, 8)).astype(np.float32),
                              rng.normal(size=(6, 8)).astype(np.float32), SHOPPERS,
                              list(ITEMS), manifest, version=f"2026110{n + 1}T120000Z-run{n}")
        versions.append(path.name)
    set_current(artifacts_dir, versions[-1])
    return versions
