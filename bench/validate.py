"""Validation time for a synthetic catalog of 10,000 resources (goal: under 3 s on a 2-core machine).

    .venv/bin/python bench/validate.py [--count N] [--repeat R]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import write_synthetic_catalog  # noqa: E402

from generator.loader import check_catalog  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = write_synthetic_catalog(Path(tmp) / "catalog", args.count)
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            catalog, result = check_catalog(root)
            times.append(time.perf_counter() - start)
            assert catalog is not None, result.errors[:5]
        real = Path(__file__).resolve().parent.parent / "catalog"
        start = time.perf_counter()
        real_catalog, _ = check_catalog(real)
        real_time = time.perf_counter() - start
    size = sum(1 for _ in catalog.resources)
    print(f"synthetic catalog: {size} resources, {sum(1 for _ in catalog.roadmaps[0].iter_nodes())} nodes")
    print(f"validate: median {statistics.median(times):.2f} s, best {min(times):.2f} s over {args.repeat} runs "
          f"(goal < 3 s)")
    if real_catalog is not None:
        print(f"real catalog: {len(real_catalog.resources)} resources validated in {real_time:.2f} s")


if __name__ == "__main__":
    main()
