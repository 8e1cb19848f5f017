"""ruff runs as part of `make test`, so a lint error fails locally before it fails in the GitHub workflow."""

import shutil
import subprocess
import sys
from pathlib import Path

from .conftest import REPO, require


def test_ruff_is_clean():
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent))
    require(ruff is not None, "ruff is not installed (pip install -e '.[dev]')")
    proc = subprocess.run([ruff, "check", "--no-cache", "."], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
