"""Which URLs a run checks: a catalog or a file, then --changed-since and --shard."""

from __future__ import annotations

import argparse
import subprocess
import sys
import zlib
from pathlib import Path
from urllib.parse import urlsplit

from .extract import Target, from_catalog, from_file, urls_in_text


class UsageProblem(Exception):
    """A mistake in how the command was called: exit code 2."""


def catalog_dir(args: argparse.Namespace) -> Path:
    if args.catalog:
        path = Path(args.catalog)
    else:
        path = Path.cwd() / "catalog"
        if not (path / "topics.yaml").exists():
            path = Path(__file__).resolve().parents[2] / "catalog"
    if not path.is_dir():
        raise UsageProblem(f"catalog directory not found: {path}")
    return path


def load_catalog(path: Path):
    from ..errors import CatalogInvalid
    from ..loader import load_catalog

    try:
        return load_catalog(path)
    except CatalogInvalid as invalid:
        for problem in invalid.errors + invalid.warnings:
            print(problem, file=sys.stderr)
        print(f"✗ the catalog has {len(invalid.errors)} error(s); run `roadmap validate`", file=sys.stderr)
        return None


def _git(cwd: Path, *argv: str) -> str:
    try:
        done = subprocess.run(["git", *argv], cwd=cwd, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise UsageProblem(f"--changed-since needs git: {exc}") from None
    if done.returncode != 0:
        raise UsageProblem(f"git {' '.join(argv)}: {done.stderr.strip() or 'failed'}")
    return done.stdout


def urls_at_revision(path: Path, rev: str) -> set[str]:
    """Every URL in `path` (a file or a directory) as it was at git revision `rev`."""
    path = path.resolve()
    where = path if path.is_dir() else path.parent
    top = Path(_git(where, "rev-parse", "--show-toplevel").strip())
    _git(top, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")
    rel = path.relative_to(top).as_posix()
    names = _git(top, "ls-tree", "-r", "--name-only", rev, "--", rel).splitlines()
    found: set[str] = set()
    for name in names:
        done = subprocess.run(["git", "show", f"{rev}:{name}"], cwd=top, capture_output=True, check=False)
        if done.returncode == 0:
            found.update(url for url, _ in urls_in_text(done.stdout.decode("utf-8", "replace")))
    return found


def shard_of(url: str, shards: int) -> int:
    """1-based shard of a URL: by host, so one host's limits hold across shards."""
    host = (urlsplit(url).hostname or "").lower()
    return zlib.crc32(host.encode("utf-8")) % shards + 1


def select_targets(args: argparse.Namespace) -> tuple[list[Target] | None, Path | None]:
    if args.urls_file:
        path = Path(args.urls_file)
        if not path.is_file():
            raise UsageProblem(f"--urls-file not found: {path}")
        targets, base, root = from_file(path), path, None
    else:
        root = catalog_dir(args)
        catalog = load_catalog(root)
        if catalog is None:
            return None, root
        targets, base = from_catalog(catalog), root
    if args.changed_since:
        before = urls_at_revision(base, args.changed_since)
        targets = [t for t in targets if t.url not in before]
    if args.shard:
        k, n = args.shard
        targets = [t for t in targets if shard_of(t.url, n) == k]
    return targets, root
