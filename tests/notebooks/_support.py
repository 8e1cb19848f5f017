"""Helpers shared by the notebook tests (kept out of conftest.py so tests can import them)."""

from __future__ import annotations

import importlib.util
import os
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK_DIR = ROOT / "notebooks"
RESULTS_FILE = ROOT / "build" / "notebook-results.json"
BUDGET_S = float(os.environ.get("ROADMAP_NOTEBOOK_BUDGET_S", "20"))  # per notebook, kernel start included
VERSIONED = ("torch", "transformers", "peft", "trl", "tokenizers", "bitsandbytes", "gguf")

# Set for the kernels (and the fixture build): never download, no thread oversubscription on 2 cores.
OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "HF_DATASETS_DISABLE_PROGRESS_BARS": "1",
    "TRANSFORMERS_VERBOSITY": "error",
    "TOKENIZERS_PARALLELISM": "false",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "PYDEVD_DISABLE_FILE_VALIDATION": "1",
    "WANDB_DISABLED": "true",
    "MPLBACKEND": "agg",
}


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require(*modules: str) -> None:
    """Skip locally when a package is missing; under CI=true that is a failure, never a skip."""
    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    if missing:
        msg = f"missing packages for the notebook smoke tests: {', '.join(missing)} (pip install -e '.[dev]')"
        if in_ci():
            pytest.fail(msg, pytrace=False)
        pytest.skip(msg)


def package_versions() -> dict[str, str | None]:
    found: dict[str, str | None] = {}
    for name in VERSIONED:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    return found


def notebook_sources() -> list[Path]:
    return sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.py"))
