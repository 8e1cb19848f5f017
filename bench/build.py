"""Full site build time (render + both MkDocs builds under --strict + the swap) for the real catalog and for a
synthetic catalog of 10,000 resources. Goals on a 2-core machine: under 20 s and under 3 minutes.

    .venv/bin/python bench/build.py [--count N] [--skip-real] [--skip-synthetic] [--search-index]

The search index (`roadmap search`) is left out unless --search-index is given: it builds in parallel with
MkDocs and is measured by its own benchmark.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from synthetic import write_synthetic_catalog  # noqa: E402

from generator.loader import check_catalog  # noqa: E402
from generator.site.build import build_site  # noqa: E402


def timed_build(catalog_dir: Path, output: Path, search_index: bool) -> tuple[float, dict[str, float], int]:
    started = time.perf_counter()
    catalog, result = check_catalog(catalog_dir)
    if catalog is None:
        raise SystemExit(f"{catalog_dir}: invalid catalog ({len(result.errors)} errors); run `roadmap validate`")
    loaded = time.perf_counter() - started
    built = build_site(catalog, catalog_dir=catalog_dir, output=output, root=ROOT, search_index=search_index)
    total = time.perf_counter() - started
    timings = {"load": loaded, **built.timings}
    return total, timings, len(catalog.resources)


def report(label: str, total: float, timings: dict[str, float], resources: int, goal: float) -> None:
    parts = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in timings.items() if name != "total")
    verdict = "ok" if total < goal else "SLOWER THAN THE GOAL"
    print(f"{label}: {resources} resources, full build {total:.1f} s (goal < {goal:.0f} s: {verdict}) [{parts}]",
          flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=10_000, help="resources in the synthetic catalog")
    parser.add_argument("--skip-real", action="store_true")
    parser.add_argument("--skip-synthetic", action="store_true")
    parser.add_argument("--search-index", action="store_true", help="also build the search index")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-build-") as tmp:
        if not args.skip_real:
            total, timings, count = timed_build(ROOT / "catalog", Path(tmp) / "real" / "site", args.search_index)
            report("real catalog", total, timings, count, 20)
        if not args.skip_synthetic:
            catalog_dir = write_synthetic_catalog(Path(tmp) / "synthetic" / "catalog", args.count)
            total, timings, count = timed_build(catalog_dir, Path(tmp) / "synthetic" / "site", args.search_index)
            report("synthetic catalog", total, timings, count, 180)


if __name__ == "__main__":
    main()
