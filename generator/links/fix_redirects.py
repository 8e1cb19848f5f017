"""`--fix-redirects`: rewrite permanently moved URLs in the catalog YAML, in place.

A ruamel.yaml round trip keeps comments, key order, quoting and indentation; only the changed
values differ. A resource's old URL moves into its `previous_urls` (so it still counts as
covered); mirrors and notebook links have no such field and are simply updated.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import ScalarString
from ruamel.yaml.util import load_yaml_guess_indent

from ..fsutil import write_text_atomic


@dataclass(frozen=True)
class Change:
    path: str
    where: str
    old: str
    new: str


def _same_style(old: object, new: str) -> object:
    return type(old)(new) if isinstance(old, ScalarString) else new


def _move(item: CommentedMap, key: str, moves: Mapping[str, str]) -> tuple[str, str] | None:
    old = item.get(key)
    if not isinstance(old, str) or old not in moves or moves[old] == old:
        return None
    item[key] = _same_style(old, moves[old])
    return str(old), moves[old]


def _remember(item: CommentedMap, old: str, new: str) -> None:
    previous = item.get("previous_urls")
    if previous is None:
        previous = CommentedSeq()
        item.insert(list(item.keys()).index("url") + 1, "previous_urls", previous)
    if old not in previous:
        previous.append(old)
    for index in reversed(range(len(previous))):
        if previous[index] == new:
            del previous[index]


def _rewrite(doc: object, moves: Mapping[str, str], path: str) -> list[Change]:
    changes: list[Change] = []
    if not isinstance(doc, CommentedMap):
        return changes
    for item in doc.get("resources") or ():
        if not isinstance(item, CommentedMap):
            continue
        moved = _move(item, "url", moves)
        if moved:
            _remember(item, *moved)
            changes.append(Change(path, f"resources/{item.get('id')}/url", *moved))
        for index, mirror in enumerate(item.get("mirrors") or ()):
            if isinstance(mirror, CommentedMap) and (moved := _move(mirror, "url", moves)):
                changes.append(Change(path, f"resources/{item.get('id')}/mirrors/{index}/url", *moved))
    for item in doc.get("notebooks") or ():
        if not isinstance(item, CommentedMap):
            continue
        for key in ("colab_url", "article_url"):
            if moved := _move(item, key, moves):
                changes.append(Change(path, f"notebooks/{item.get('id')}/{key}", *moved))
    return changes


def fix_redirects(catalog_dir: Path, moves: Mapping[str, str], dry_run: bool = False) -> list[Change]:
    """Apply `moves` (old URL -> new URL) to every catalog YAML file; returns what changed."""
    changes: list[Change] = []
    if not moves:
        return changes
    for path in sorted(Path(catalog_dir).rglob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        if not any(old in text for old in moves):
            continue
        _, indent, block_seq_indent = load_yaml_guess_indent(text)
        yaml = YAML()
        yaml.preserve_quotes = True
        yaml.width = 4096
        yaml.indent(mapping=block_seq_indent or 2, sequence=indent or 2, offset=block_seq_indent or 0)
        doc = yaml.load(text)
        found = _rewrite(doc, moves, str(path))
        if not found:
            continue
        changes.extend(found)
        if not dry_run:
            out = io.StringIO()
            yaml.dump(doc, out)
            write_text_atomic(path, out.getvalue())
    return changes
