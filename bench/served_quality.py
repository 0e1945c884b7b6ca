"""Quality of what is served, after an import and no further command. Prints figures; not a
test.

    PROFILEGRAPH_NEO4J_BOLT_PORT=... PYTHONPATH=. .venv/bin/python bench/served_quality.py \
        --port 8108 --wipe

1. The Online Retail II time split (the project's: the last 20 % of the time span is test).
   The train period's invoice lines go to a parquet file; the test period is held out.
2. Starts the API (uvicorn) on an empty graph with no model and the default refresh settings,
   then runs `profilegraph import online-retail <train period>` as a user would, and nothing
   else: the model refresh inside the API builds and promotes models on its own.
3. Waits until a build that started after the import ended has been served, and reports how
   long after the import's end that was, each build's duration, CPU and outcome, and the share
   of the imported customers (all consented by the import) whose list is `personalized`.
4. Recall@20 / NDCG@20 of the lists `GET /v1/users/{id}/recommendations?limit=20` returns to
   the customers with test pairs (pairs new to the customer, customers and items of the train
   period, as trainer/data.py's split), next to popularity (train counts, the customer's own
   items masked) and the offline figure of the served artifact (its trained user vectors on the
   same truth, recmodel's evaluation).
--wipe deletes every node first (use a bench or test database only).
--with-demo loads the demo store first and builds its model as `make run` does
(`profilegraph demo-data`, `profilegraph build-model --if-missing`, events dated today), so the
import lands in a store that already holds a newer history: the newcomer's README path.
--whole-file runs that path to the letter: `profilegraph import online-retail` with no PATH
(the whole file, found relative to the checkout) and reports the time to a covering model and
the shares personalized, without Recall (no period is held out).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np
import pandas as pd
import scipy.sparse as sp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import _harness as harness
from recmodel.artifact_format import current_version, load_artifact
from recmodel.numpy_eval import evaluate_dense

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared/data/online_retail_ii/online_retail_II_2009-2010.parquet"
ADMIN_KEY = "bench-admin-key-0123456789abcdef"
HEADERS = {"Authorization": f"Bearer {ADMIN_KEY}"}
K = 20


def time_split(path: Path, out: Path, test_fraction: float = 0.2) -> tuple[pd.DataFrame, str]:
    """Writes the train period's lines to `out`; returns the real purchases (quantity > 0,
    known customer, not cancelled) with a train flag, and the cut time."""
    df = pd.read_parquet(path)
    ts = pd.to_datetime(df["InvoiceDate"])
    real = (df["Quantity"] > 0) & df["Customer ID"].notna() & \
        ~df["Invoice"].astype(str).str.startswith("C")
    cut = ts[real].min() + (ts[real].max() - ts[real].min()) * (1.0 - test_fraction)
    df[ts < cut].to_parquet(out)
    purchases = pd.DataFrame({
        "user": df.loc[real, "Customer ID"].astype(np.int64).astype(str),
        "item": df.loc[real, "StockCode"].astype(str), "train": (ts[real] < cut)})
    return purchases, cut.isoformat()


def truth_matrices(purchases: pd.DataFrame) -> tuple[list[str], list[str], sp.csr_matrix,
                                                     sp.csr_matrix]:
    """Train and test on the train period's ids; test: new pairs of known users and items."""
    train = purchases[purchases["train"]]
    users = sorted(set(train["user"]))
    items = sorted(set(train["item"]))
    u_pos = {u: n for n, u in enumerate(users)}
    i_pos = {i: n for n, i in enumerate(items)}

    def matrix(rows: pd.DataFrame) -> sp.csr_matrix:
        keep = rows["user"].isin(u_pos) & rows["item"].isin(i_pos)
        r = rows.loc[keep, "user"].map(u_pos).to_numpy()
        c = rows.loc[keep, "item"].map(i_pos).to_numpy()
        m = sp.csr_matrix((np.ones(len(r), np.float32), (r, c)), shape=(len(users), len(items)))
        m.sum_duplicates()
        m.data[:] = 1.0
        return m

    fit = matrix(train)
    test = matrix(purchases[~purchases["train"]])
    test = sp.csr_matrix(test - test.multiply(fit))
    test.eliminate_zeros()
    return users, items, fit, test


async def lists(base: str, users: list[str], concurrency: int) -> dict[str, dict]:
    gate = asyncio.Semaphore(concurrency)
    out: dict[str, dict] = {}
    async with httpx.AsyncClient(base_url=base, headers=HEADERS, timeout=60) as client:
        async def one(user: str) -> None:
            async with gate:
                r = await client.get(f"/v1/users/{user}/recommendations", params={"limit": K})
                r.raise_for_status()
                out[user] = r.json()
        await asyncio.gather(*(one(u) for u in users))
    return out


def served_metrics(answers: dict[str, dict], users: list[str], items: list[str],
                   test: sp.csr_matrix) -> dict[str, float]:
    """Recall@20 and NDCG@20 of the served lists, the protocol of recmodel.numpy_eval (users
    with at least one test pair averaged); an item the split does not know (first sold in
    the test period) or a short list is never a hit."""
    i_pos = {i: n for n, i in enumerate(items)}
    rows = np.flatnonzero(np.diff(test.indptr) > 0)
    top = np.zeros((len(rows), K), dtype=np.int64)
    empty = np.ones((len(rows), K), dtype=bool)
    for n, r in enumerate(rows):
        picks = [i_pos.get(i["item_id"], -1) for i in answers[users[r]]["items"]][:K]
        for m, p in enumerate(picks):
            if p >= 0:
                top[n, m], empty[n, m] = p, False
    truth = test[rows]
    flat = np.repeat(np.arange(len(rows)), K)
    hit = (np.asarray(truth[flat, top.ravel()]).reshape(top.shape) > 0) & ~empty
    n_rel = np.diff(truth.indptr)
    discounts = 1.0 / np.log2(np.arange(2, K + 2))
    ideal = np.cumsum(np.concatenate([[0.0], discounts]))
    recall = hit.sum(1) / n_rel
    ndcg = (hit * discounts).sum(1) / ideal[np.minimum(n_rel, K)]
    return {"recall@20": float(recall.mean()), "ndcg@20": float(ndcg.mean()),
            "users": len(rows)}


def popularity(fit: sp.csr_matrix, test: sp.csr_matrix) -> dict[str, float]:
    counts = np.asarray(fit.sum(axis=0)).ravel().astype(np.float32)
    return evaluate_dense(lambda u: np.broadcast_to(counts, (len(u), len(counts))), test, fit, K)


def offline(artifacts: Path, users: list[str], items: list[str], fit: sp.csr_matrix,
            test: sp.csr_matrix) -> dict[str, float]:
    """The served artifact's trained user vectors on the same truth (a user or item the
    artifact lacks scores nothing)."""
    art = load_artifact(artifacts / str(current_version(artifacts)))
    u_rows = np.array([art.user_row.get(u, -1) for u in users])
    i_rows = np.array([art.item_row.get(i, -1) for i in items])

    def scores(batch: np.ndarray) -> np.ndarray:
        out = np.full((len(batch), len(items)), -np.inf, dtype=np.float32)
        known_u, known_i = u_rows[batch] >= 0, i_rows >= 0
        block = art.user_emb[u_rows[batch][known_u]] @ art.item_emb[i_rows[known_i]].T
        out[np.ix_(np.flatnonzero(known_u), np.flatnonzero(known_i))] = block
        return out

    return evaluate_dense(scores, test, fit, K)


def wait_for_build_after(base: str, since: float, timeout_s: float) -> dict:
    """The refresh state once a build that started after `since` (Unix time) finished and
    the served model is the promoted one."""
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        body = httpx.get(base + "/v1/admin/models", headers=HEADERS, timeout=30).json()
        last = body["refresh"]["last"]
        started = pd.Timestamp(last["started_at"]).timestamp() if last["started_at"] else 0
        if started > since and last["finished_at"] and not body["refresh"]["running"] and \
                body["served"] == body["promoted"] and body["promoted"]:
            return body
        time.sleep(2)
    raise RuntimeError(f"no build after the import within {timeout_s:.0f} s")


def builds_log(base: str) -> list[str]:
    body = httpx.get(base + "/v1/admin/models", headers=HEADERS, timeout=30).json()
    return [f"{r['version']}: {r['model']}, val {r['metrics'].get('val', {}).get('recall@20')}, "
            f"{'won' if (r.get('promotion') or {}).get('promote') else 'refused'} "
            f"({(r.get('promotion') or {}).get('reason', '')})" for r in body["runs"]]


async def main(args: argparse.Namespace) -> None:
    if args.wipe:
        await harness.wipe_graph()
    work = Path(tempfile.mkdtemp(prefix="served-quality-"))
    artifacts = work / "artifacts"
    purchases, cut = time_split(Path(args.data), work / "train.parquet")
    users, items, fit, test = truth_matrices(purchases)
    if args.whole_file:
        customers = pd.read_parquet(args.data, columns=["Customer ID"])["Customer ID"].dropna()
        users = sorted(set(customers.astype(np.int64).astype(str)))
        print(f"whole file: {len(users)} customers")
    else:
        print(f"split at {cut}: train {len(users)} customers, {len(items)} items, "
              f"{fit.nnz} pairs; test {int((np.diff(test.indptr) > 0).sum())} customers, "
              f"{test.nnz} new pairs")
    env = {"PROFILEGRAPH_ADMIN_API_KEY": ADMIN_KEY, "PROFILEGRAPH_LOG_LEVEL": "WARNING",
           "PROFILEGRAPH_ARTIFACTS_DIR": str(artifacts)}
    cli_env = {**os.environ, "PYTHONPATH": str(ROOT), **env}
    if args.with_demo:  # as `make run`: the demo store and its model before the API starts
        for command in (["demo-data"], ["build-model", "--if-missing"]):
            begun = time.time()
            await asyncio.to_thread(subprocess.run, [sys.executable, "-m", "app.cli", *command],
                                    check=True, cwd=ROOT, env=cli_env,
                                    stdout=subprocess.DEVNULL)
            print(f"{' '.join(command)}: {time.time() - begun:.0f} s")
    server = harness.start_server(args.port, env=env, timeout_s=120)
    base = f"http://127.0.0.1:{args.port}"
    try:
        started = time.time()
        source = [] if args.whole_file else [str(work / "train.parquet")]
        await asyncio.to_thread(
            subprocess.run, [sys.executable, "-m", "app.cli", "import", "online-retail",
                             *source], check=True, cwd=ROOT, env=cli_env,
            stdout=subprocess.DEVNULL)
        imported = time.time()
        print(f"import: {imported - started:.0f} s")
        state = await asyncio.to_thread(wait_for_build_after, base, imported, args.timeout)
        served_at = time.time()
        last = state["refresh"]["last"]
        print(f"model served {served_at - imported:.0f} s after the import ended "
              f"(last build: {last['kind']}, {last['outcome']}, {last['duration_s']:.0f} s wall, "
              f"{last['cpu_s']:.0f} CPU-s; {last['builds']} builds since the server started)")
        for line in builds_log(base):
            print("  " + line)
        answers = await lists(base, users, args.concurrency)
        personalized = sum(bool(a["personalized"]) for a in answers.values())
        by_model = sum(a["strategy"] == "gnn_live" and a["model_version"] is not None
                       for a in answers.values())
        print(f"imported customers served by the model (gnn_live, model_version set): "
              f"{by_model}/{len(users)} ({by_model / len(users):.1%})")
        strategies = pd.Series([a["strategy"] for a in answers.values()]).value_counts()
        print(f"imported customers with a personalized list: {personalized}/{len(users)} "
              f"({personalized / len(users):.1%}); strategies: {strategies.to_dict()}")
        if args.whole_file:
            return
        served = served_metrics(answers, users, items, test)
        pop = popularity(fit, test)
        off = offline(artifacts, users, items, fit, test)
        ratio = served["recall@20"] / pop["recall@20"]
        print(f"served (GET /v1/users/{{id}}/recommendations): Recall@20 "
              f"{served['recall@20']:.4f}, NDCG@20 {served['ndcg@20']:.4f} "
              f"({served['users']} customers), {ratio:.2f}x popularity")
        print(f"popularity: Recall@20 {pop['recall@20']:.4f}, NDCG@20 {pop['ndcg@20']:.4f}")
        print(f"offline (the served artifact's trained vectors): Recall@20 "
              f"{off['recall@20']:.4f}, NDCG@20 {off['ndcg@20']:.4f} "
              f"({off['recall@20'] / pop['recall@20']:.2f}x popularity)")
    finally:
        harness.stop_server(server)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=str(DATA))
    parser.add_argument("--port", type=int, default=8108)
    parser.add_argument("--wipe", action="store_true")
    parser.add_argument("--whole-file", action="store_true",
                        help="import the whole file with no PATH, as the README; no Recall")
    parser.add_argument("--with-demo", action="store_true",
                        help="load the demo store and build its model first, as `make run`")
    parser.add_argument("--timeout", type=float, default=1800, help="for the first build")
    parser.add_argument("--concurrency", type=int, default=4)
    asyncio.run(main(parser.parse_args()))
