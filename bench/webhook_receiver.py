"""A webhook receiver for bench/webhooks.py, in its own process so that receiving webhooks
takes no CPU from the load generator's event loop: answers 204 to POST /hook, counts
requests and distinct webhook-ids, and records the lag from each change's time to its
arrival. GET /stats gives them (and `?reset=1` starts a new phase).

    python bench/webhook_receiver.py --port 8142
"""

from __future__ import annotations

import argparse
import time
from datetime import datetime

import orjson
from aiohttp import web

STATE: dict = {"requests": 0, "ids": set(), "lags": []}


async def hook(request: web.Request) -> web.Response:
    body = orjson.loads(await request.read())
    STATE["requests"] += 1
    STATE["ids"].add(request.headers["webhook-id"])
    if body.get("timestamp"):
        STATE["lags"].append(time.time() - datetime.fromisoformat(body["timestamp"]).timestamp())
    return web.Response(status=204)


async def stats(request: web.Request) -> web.Response:
    lags = sorted(STATE["lags"])

    def q(p: float) -> float | None:
        return lags[min(len(lags) - 1, int(p * len(lags)))] if lags else None
    out = {"requests": STATE["requests"], "distinct_ids": len(STATE["ids"]),
           "phase_webhooks": len(lags), "lag_p50": q(.5), "lag_p90": q(.9), "lag_p99": q(.99)}
    if request.query.get("reset"):
        STATE["lags"] = []
    return web.Response(body=orjson.dumps(out), content_type="application/json")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    app = web.Application()
    app.router.add_post("/hook", hook)
    app.router.add_get("/stats", stats)
    web.run_app(app, host="127.0.0.1", port=parser.parse_args().port, access_log=None,
                print=None)
