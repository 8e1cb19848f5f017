"""Run every reference notebook top to bottom in a real Jupyter kernel, on tiny offline models.

The notebooks' own asserts are the checks (loss goes down, speculative == greedy, ...); this test
fails when any cell raises or when a notebook blows its time budget (ROADMAP_NOTEBOOK_BUDGET_S,
20 s by default, checked against the kernel's CPU time, which other jobs on the machine barely
change; wall time is reported too). ``pytest -m notebook``.
Executed copies (with outputs) land in ``build/notebook-outputs/`` for inspection.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ._support import BUDGET_S, ROOT, notebook_sources, package_versions, require
from .reporting import save_result

pytestmark = pytest.mark.notebook

EXECUTE = Path(__file__).with_name("_execute.py")
# What the notebooks import (module names); missing ones skip locally and fail under CI=true.
NOTEBOOK_PACKAGES = (
    "torch",
    "transformers",
    "tokenizers",
    "peft",
    "trl",
    "datasets",
    "accelerate",
    "bitsandbytes",
    "gguf",
    "whoosh",
    "numpy",
)
OUTPUTS = ROOT / "build" / "notebook-outputs"
# Longest first, so that two xdist workers finish at about the same time.
_SLOW_FIRST = ["05_", "04_", "01_", "03_", "10_", "13_", "11_", "09_", "07_"]


def _order(path: Path) -> tuple[int, str]:
    prefix = path.name[:3]
    return (_SLOW_FIRST.index(prefix) if prefix in _SLOW_FIRST else len(_SLOW_FIRST), path.name)


@pytest.mark.parametrize("source", sorted(notebook_sources(), key=_order), ids=lambda p: p.stem)
def test_notebook_runs(
    source: Path, kernel_dir: Path, notebook_env: dict[str, str], records_dir: Path, tmp_path: Path, request
) -> None:
    ipynb = source.with_suffix(".ipynb")
    result = {"notebook": ipynb.name, "outcome": "failed", "passed": False, "seconds": None, **package_versions()}
    request.node.user_properties.append(("notebook_result", result))
    result["started"] = time.time()
    try:
        require(*NOTEBOOK_PACKAGES)
        _run(ipynb, kernel_dir, notebook_env, tmp_path, result)
        result["outcome"], result["passed"] = "passed", True
    except pytest.skip.Exception:
        result["outcome"] = "skipped"
        raise
    finally:
        result["finished"] = time.time()
        result["date"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        save_result(result, records_dir)


def _run(ipynb: Path, kernel_dir: Path, env: dict[str, str], tmp_path: Path, result: dict) -> None:
    assert ipynb.exists(), (
        f"{ipynb.name} is missing: run `jupytext --sync {ipynb.with_suffix('.py').relative_to(ROOT)}`"
    )
    OUTPUTS.mkdir(parents=True, exist_ok=True)
    outcome_file = tmp_path / "outcome.json"
    cmd = [sys.executable, str(EXECUTE), str(ipynb), "--result", str(outcome_file), "--kernel-dir", str(kernel_dir)]
    cmd += ["--cwd", str(tmp_path), "--timeout", str(int(BUDGET_S * 4)), "--save", str(OUTPUTS / ipynb.name)]
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=BUDGET_S * 10)
    wall = time.perf_counter() - start
    if not outcome_file.exists():
        pytest.fail(f"the notebook runner crashed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}", pytrace=False)
    outcome = json.loads(outcome_file.read_text())
    result["seconds"], result["cpu_seconds"] = outcome["seconds"], outcome["cpu_seconds"]
    result["slowest_cells"] = outcome["slowest_cells"]
    result["runner_overhead_seconds"] = round(wall - outcome["seconds"], 2)
    if not outcome["ok"]:
        pytest.fail(f"{ipynb.name} failed:\n{outcome['error']}", pytrace=False)
    cpu = outcome["cpu_seconds"]
    assert cpu <= BUDGET_S, (
        f"{ipynb.name} used {cpu} s of CPU ({outcome['seconds']} s wall), over the {BUDGET_S:.0f} s budget"
    )
