"""Two checkouts compared with the serve and ingest benches, alternating A B A B in one run.

Each side is a checkout with its own Neo4j store and ports (`_harness.Side`): an older
checkout's server refuses a store a newer one migrated, and each side runs its own
`bench/serve.py` and `bench/ingest.py` with PYTHONPATH at its root, so it imports its own
packages. Both stores are started once, before the first round, and stopped at the end.
Prints every side's rows as they come, then each figure per round and the ratio A/B of the
means (above 1: A is higher; for latencies and CPU, lower is better).

    .venv/bin/python bench/abab.py --b-root ../base [--rounds 2] [--benches serve ingest]
        [--a-ports 7724 7734 8124] [--b-ports 7744 7754 8144]
        [--serve-args "--workers 1 --rates 600 0 --duration 30 --warmup 10"]
        [--ingest-args "--events 10000 --single-events 1000 --skip-import"]
        [--env PROFILEGRAPH_MODEL_REFRESH_INTERVAL_S=0 ...]

`--env` settings go to both sides (default: the model refresh off). Side A defaults to this
checkout; give it a copy (`git archive HEAD | tar -x -C DIR`) to keep editing here meanwhile.
Stores live in .cache/neo4j/abab-a and abab-b of this checkout (--homes to change); the first
round loads bench/serve.py's storefront into each, later rounds reuse it.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import statistics
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._harness import ROOT, Side

INGEST_ROW = re.compile(
    r"^(?P<label>\S.*?)\s+[\d,]+ events\s+[\d.]+ s\s+(?P<ev>[\d,]+) ev/s\s+[\d,]+ req/s\s+"
    r"p50\s+(?P<p50>[\d.]+) ms\s+p95\s+(?P<p95>[\d.]+) ms")
INGEST_CPU = re.compile(r"^\s+cpu: python (?P<py>[\d.]+) s, neo4j (?P<neo>[\d.]+) s")
SERVE_FIGURES = ("rps", "p50_ms", "p99_ms", "server_cpu_ms", "neo4j_cpu_ms")


def serve_figures(out: str) -> dict[str, float]:
    """`serve w<workers> <target> [mode] <figure>` -> value, from bench/serve.py's JSON rows."""
    figures = {}
    for line in out.splitlines():
        if line.startswith("{"):
            row = json.loads(line)
            key = f"serve w{row['workers']} {row['target_rps']}" + (
                f" {row['mode']}" if row.get("mode") else "")
            for name in SERVE_FIGURES:
                figures[f"{key} {name}"] = float(row[name])
    return figures


def ingest_figures(out: str) -> dict[str, float]:
    """`<scenario> ev/s|p50_ms|p95_ms` (and the in-process CPU seconds) from bench/ingest.py."""
    figures, last = {}, ""
    for line in out.splitlines():
        if match := INGEST_ROW.match(line):
            last = " ".join(match["label"].split())
            figures[f"{last} ev/s"] = float(match["ev"].replace(",", ""))
            figures[f"{last} p50_ms"] = float(match["p50"])
            figures[f"{last} p95_ms"] = float(match["p95"])
        elif (match := INGEST_CPU.match(line)) and last:
            figures[f"{last} python_cpu_s"] = float(match["py"])
            figures[f"{last} neo4j_cpu_s"] = float(match["neo"])
    return figures


PARSERS = {"serve": ("serve.py", serve_figures), "ingest": ("ingest.py", ingest_figures)}


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def run(sides: list[Side], benches: list[str], rounds: int,
        bench_args: dict[str, list[str]]) -> dict[str, dict[str, list[float]]]:
    """figure -> side name -> one value per round."""
    results: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for r in range(1, rounds + 1):
        for side in sides:
            for bench in benches:
                script, parse = PARSERS[bench]
                print(f"round {r} {side.name} {bench}: load average {load_average()}",
                      flush=True)
                figures = parse(side.run_script(script, bench_args[bench]))
                for name, value in figures.items():
                    results[name][side.name].append(value)
    print(f"done: load average {load_average()}", flush=True)
    return results


def report(results: dict[str, dict[str, list[float]]], a: str, b: str) -> None:
    print(f"\n{'figure':58s} {a + ' per round':>22s} {b + ' per round':>22s} {a + '/' + b:>9s}")
    for name, by_side in results.items():
        va, vb = by_side.get(a, []), by_side.get(b, [])
        ratio = (statistics.fmean(va) / statistics.fmean(vb)
                 if va and vb and statistics.fmean(vb) else float("nan"))
        print(f"{name:58s} {' '.join(f'{v:g}' for v in va):>22s} "
              f"{' '.join(f'{v:g}' for v in vb):>22s} {ratio:9.3f}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--a-root", type=Path, default=ROOT, help="side A (default: here)")
    parser.add_argument("--b-root", type=Path, required=True, help="side B's checkout")
    parser.add_argument("--a-name", default="A")
    parser.add_argument("--b-name", default="B")
    parser.add_argument("--a-ports", type=int, nargs=3, default=[7724, 7734, 8124],
                        metavar=("BOLT", "HTTP", "API"))
    parser.add_argument("--b-ports", type=int, nargs=3, default=[7744, 7754, 8144],
                        metavar=("BOLT", "HTTP", "API"))
    parser.add_argument("--homes", type=Path, default=ROOT / ".cache" / "neo4j",
                        help="folder of the two stores (abab-a, abab-b)")
    parser.add_argument("--rounds", type=int, default=2, help="A B pairs (2: A B A B)")
    parser.add_argument("--benches", nargs="+", choices=list(PARSERS),
                        default=list(PARSERS))
    parser.add_argument("--serve-args",
                        default="--workers 1 --rates 600 0 --duration 30 --warmup 10")
    parser.add_argument("--ingest-args",
                        default="--events 10000 --single-events 1000 --skip-import")
    # A model rebuild started by the refresh (a feature the round start lacks) would land
    # in the measured window and charge its CPU to serving or intake: off unless asked.
    parser.add_argument("--env", nargs="*", default=["PROFILEGRAPH_MODEL_REFRESH_INTERVAL_S=0"],
                        metavar="NAME=VALUE", help="settings for both sides' processes")
    parser.add_argument("--keep-neo4j", action="store_true")
    args = parser.parse_args()

    extra = tuple(tuple(item.split("=", 1)) for item in args.env)
    sides = [Side(name, root.resolve(), bolt, http, api, args.homes / f"abab-{tag}",
                  extra_env=extra)  # type: ignore[arg-type]
             for name, root, (bolt, http, api), tag in (
                 (args.a_name, args.a_root, args.a_ports, "a"),
                 (args.b_name, args.b_root, args.b_ports, "b"))]
    bench_args = {"serve": [*shlex.split(args.serve_args), "--keep-neo4j"],
                  "ingest": shlex.split(args.ingest_args)}
    for side in sides:
        print(f"{side.name}: {side.root}")
    print("both sides:", " ".join(args.env) or "-")
    try:
        for side in sides:
            print(f"{side.name} neo4j: {side.neo4j('start')}", flush=True)
        results = run(sides, args.benches, args.rounds, bench_args)
    finally:
        if not args.keep_neo4j:
            for side in sides:
                print(f"{side.name} neo4j: {side.neo4j('stop')}", flush=True)
    report(results, args.a_name, args.b_name)


if __name__ == "__main__":
    main()
