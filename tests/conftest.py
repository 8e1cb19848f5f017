from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

# The notebook timing table must load in the xdist controller too, not only in workers.
pytest_plugins = ["tests.notebooks.reporting"]

REPO = Path(__file__).resolve().parent.parent
MINI = Path(__file__).resolve().parent / "fixtures" / "mini"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture
def mini_catalog(tmp_path: Path) -> Path:
    """A fresh copy of the small valid catalog that a test may break."""
    target = tmp_path / "catalog"
    shutil.copytree(MINI, target)
    return target


def require(condition: bool, reason: str) -> None:
    """Skip locally when an optional tool is missing, but fail in CI: CI must never skip silently."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)
