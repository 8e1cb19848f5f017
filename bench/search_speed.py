"""Search speed: index build time and query latency (in-process), for the real catalog and a synthetic one, and
the time of a cold `roadmap search quantization` (a new process, index already built).

    .venv/bin/python bench/search_speed.py [--count 10000] [--rounds 5] [--cli-runs 5] [--no-synthetic]

Goals: query p50 <= 10 ms at 10,000 resources; cold CLI query < 1.5 s.

Queries: the learner queries of bench/search_queries.json, each run `--rounds` times after one warm-up run; p50
and p95 are over the per-query medians. On the synthetic catalog a second set uses only its own vocabulary
(every English word there is in about a third of all resources), the worst case for a pure-Python engine.
Both wall-clock and CPU time are printed: on a busy machine the CPU time is the fairer figure for our own work.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from synthetic import EN_WORDS, ZH_WORDS, write_synthetic_catalog  # noqa: E402

from generator.loader import load_catalog  # noqa: E402
from generator.search.index import build_index, default_index_dir, ensure_index  # noqa: E402
from generator.search.query import Searcher  # noqa: E402

P50_GOAL_MS = 10.0
CLI_GOAL_S = 1.5


def bench_queries() -> list[str]:
    data = json.loads((ROOT / "bench" / "search_queries.json").read_text(encoding="utf-8"))
    return [entry["query"] for entry in data["queries"]]


def synthetic_queries() -> list[str]:
    en, zh = EN_WORDS, ZH_WORDS
    return [*en[:6], *zh[:6], f"{en[0]} {en[1]}", f"{en[2]} {en[3]} {en[4]}", f"{zh[0]} {zh[1]}", f"{en[5]} {zh[2]}",
            "transfomer", "quantizaton", "Author 17", "resource 4242"]


def timed(fn) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def percentile(values: list[float], fraction: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(fraction * (len(values) - 1)))]


def latency(searcher: Searcher, queries: list[str], rounds: int) -> dict[str, float]:
    walls, cpus = [], []
    for query in queries:
        searcher.search(query)  # warm-up: the first query of a word reads its postings
        runs = [timed(lambda q=query: searcher.search(q)) for _ in range(rounds)]
        walls.append(statistics.median(w for w, _ in runs))
        cpus.append(statistics.median(c for _, c in runs))
    return {"p50": statistics.median(walls) * 1000, "p95": percentile(walls, 0.95) * 1000,
            "cpu_p50": statistics.median(cpus) * 1000, "cpu_p95": percentile(cpus, 0.95) * 1000}


def measure_catalog(name: str, catalog_dir: Path, work: Path, query_sets: dict[str, list[str]],
                    rounds: int) -> list[str]:
    load_wall, _ = timed(lambda: None)
    started = time.perf_counter()
    catalog = load_catalog(catalog_dir)
    load_wall = time.perf_counter() - started
    build_wall, build_cpu = timed(lambda: build_index(catalog, work / f"index-{name}"))
    lines = [f"{name}: {len(catalog.resources)} resources, {len(catalog.notebooks)} notebooks "
             f"(catalog load {load_wall:.2f} s)",
             f"  index build   {build_wall:6.2f} s wall   {build_cpu:6.2f} s CPU"]
    with Searcher(work / f"index-{name}") as searcher:
        for label, queries in query_sets.items():
            figures = latency(searcher, queries, rounds)
            lines.append(f"  {label:13} p50 {figures['p50']:5.1f} ms  p95 {figures['p95']:6.1f} ms   (CPU: p50 "
                         f"{figures['cpu_p50']:5.1f} ms, p95 {figures['cpu_p95']:6.1f} ms; {len(queries)} queries)")
            if name.startswith("synthetic") and label == "learner":
                lines.append(f"  goal p50 <= {P50_GOAL_MS:.0f} ms: "
                             f"{'met' if figures['p50'] <= P50_GOAL_MS else 'NOT met'} (wall), "
                             f"{'met' if figures['cpu_p50'] <= P50_GOAL_MS else 'NOT met'} (CPU)")
    return lines


def run_timed(command: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the child: user + system) for one run of `command`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"`{' '.join(command)}` failed:\n{proc.stderr}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def cold_cli(runs: int) -> list[str]:
    catalog_dir = ROOT / "catalog"
    ensure_index(catalog_dir, default_index_dir(catalog_dir), lambda: load_catalog(catalog_dir))
    script = Path(sys.executable).with_name("roadmap")
    roadmap = [str(script)] if script.exists() else [sys.executable, "-m", "generator"]
    env = dict(os.environ, COLUMNS="120")
    cases = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "roadmap --help": [*roadmap, "--help"],
        "roadmap search quantization": [*roadmap, "search", "quantization"],
        "roadmap search 量化": [*roadmap, "search", "量化"],
    }
    lines = [f"cold CLI, index already built ({runs} runs each; wall median / max, CPU median):"]
    medians = {}
    for label, command in cases.items():
        timings = [run_timed(command, env) for _ in range(runs)]
        walls, cpus = [w for w, _ in timings], [c for _, c in timings]
        medians[label] = (statistics.median(walls), statistics.median(cpus))
        lines.append(f"  {label:30} {statistics.median(walls):5.2f} s / {max(walls):5.2f} s   "
                     f"CPU {statistics.median(cpus):5.2f} s")
    wall, cpu = medians["roadmap search quantization"]
    lines.append(f"  goal < {CLI_GOAL_S} s: {'met' if wall < CLI_GOAL_S else 'NOT met'} (wall), "
                 f"{'met' if cpu < CLI_GOAL_S else 'NOT met'} (CPU)")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=10_000, help="synthetic resources (default 10000)")
    parser.add_argument("--rounds", type=int, default=5, help="timed runs per query (default 5)")
    parser.add_argument("--cli-runs", type=int, default=5, help="cold CLI runs (default 5)")
    parser.add_argument("--no-synthetic", action="store_true", help="skip the synthetic catalog")
    args = parser.parse_args()

    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (other work on the machine inflates "
          "wall-clock times; CPU times much less)", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for line in measure_catalog("real catalog", ROOT / "catalog", work, {"learner": bench_queries()},
                                    args.rounds):
            print(line, flush=True)
        if not args.no_synthetic:
            synthetic = write_synthetic_catalog(work / "synthetic", args.count)
            for line in measure_catalog(f"synthetic {args.count}", synthetic, work,
                                        {"learner": bench_queries(), "synthetic": synthetic_queries()},
                                        args.rounds):
                print(line, flush=True)
    for line in cold_cli(args.cli_runs):
        print(line, flush=True)
    print(f"load average {os.getloadavg()[0]:.1f} at the end", flush=True)


if __name__ == "__main__":
    main()
