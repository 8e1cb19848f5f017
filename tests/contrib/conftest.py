from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from generator.cli import main

from ..conftest import REPO


@pytest.fixture
def real_catalog(tmp_path: Path) -> Path:
    """A copy of the project's own catalog that a test may change."""
    target = tmp_path / "catalog"
    shutil.copytree(REPO / "catalog", target)
    return target


def run(capsys, *args: str) -> tuple[int, str, str]:
    """`roadmap ARGS` in this process (fast); returns (exit code, stdout, stderr)."""
    try:
        code = main(list(args))
    except SystemExit as exc:  # argparse and UsageError exit this way
        code = exc.code if isinstance(exc.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err


def roadmap_proc(*args: str, cwd: Path = REPO, stdin=subprocess.DEVNULL) -> subprocess.CompletedProcess[str]:
    """`roadmap ARGS` as a real subprocess without a terminal."""
    env = {key: value for key, value in os.environ.items() if key != "GITHUB_ACTIONS"}
    return subprocess.run([sys.executable, "-m", "generator", *args], capture_output=True, text=True, cwd=cwd,
                          env=env, stdin=stdin, timeout=120)


def parse_roadmap(args: list[str]) -> None:
    """Parse `roadmap ARGS` with the real parser; raises SystemExit if the command line is invalid.

    `check-links` is parsed with its own options (`generator.links.command.configure`) while it is not yet
    registered in `generator.cli.COMMAND_MODULES`.
    """
    import argparse

    from generator.cli import build_parser

    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    if args[0] == "check-links" and "check-links" not in commands.choices:
        from generator.links.command import configure

        links = argparse.ArgumentParser(prog="roadmap check-links")
        configure(links)
        links.parse_args(args[1:])
        return
    parser.parse_args(args)
