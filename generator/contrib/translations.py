"""Translation fingerprints: notice when one language of a text is edited and the other is left behind.

`catalog/translations.lock` records, for every bilingual text in the catalog (each `{en, zh}` pair), a short
hash of both sides as they were when someone last confirmed that they say the same thing. It is keyed by a
stable location, one line per text, sorted:

    "resources/illustrated-transformer/summary": {"en": "3f2a9c01be", "zh": "77d1e0a4c2"},

Compared with the lock, a text is
    reviewed       both hashes match
    en-changed     only the English changed since: the Chinese is probably stale (a warning)
    zh-changed     only the Chinese changed since: the English is probably stale (a warning)
    both-changed   both sides were rewritten together; re-stamp after checking them
    unreviewed     not in the lock at all (a new text); not a warning

`check` is the loader's hook: it adds the warnings, with the file and line of the side to update, to a
`LoadResult`. `roadmap translations --stamp` records the current pairs after a translator has checked them.
The loader imports this module, so it imports nothing but `errors` and `models`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel

from ..errors import CatalogError, display_path
from ..models import Text

if TYPE_CHECKING:
    from ..loader import Entry, LoadResult

LOCK_NAME = "translations.lock"
HASH_LENGTH = 10
_NOTE_KEY = "//"
_NOTE = ("Translation fingerprints: hashes of each English/Chinese pair as last reviewed together. "
         "Update with `roadmap translations --stamp`; see CONTRIBUTING.md.")

Lock = dict[str, tuple[str, str]]


class State(StrEnum):
    REVIEWED = "reviewed"
    EN_CHANGED = "en-changed"
    ZH_CHANGED = "zh-changed"
    BOTH_CHANGED = "both-changed"
    UNREVIEWED = "unreviewed"

    @property
    def stale_side(self) -> str | None:
        """The language that probably needs updating, if exactly one side changed."""
        return {"en-changed": "zh", "zh-changed": "en"}.get(self.value)


@dataclass(frozen=True)
class TextRef:
    """One bilingual text: its lock key, the entry holding it and its path inside that entry."""

    key: str
    entry: Entry
    sub: tuple[str | int, ...]
    en: str
    zh: str

    def hashes(self) -> tuple[str, str]:
        return fingerprint(self.en), fingerprint(self.zh)

    def where(self, side: str = "en") -> str:
        return f"{self.entry.path}:{self.entry.position(*self.sub, side)[0]}"


@dataclass(frozen=True)
class TextStatus:
    ref: TextRef
    state: State

    def warning(self) -> CatalogError | None:
        side = self.state.stale_side
        if side is None:
            return None
        changed = "English" if side == "zh" else "Chinese"
        stale = "Chinese" if side == "zh" else "English"
        msg = (f"the {changed} text changed after this {stale} translation was last checked against it; update the "
               f"{stale} to match, then run `roadmap translations --stamp {self.ref.key}`")
        return self.ref.entry.error(msg, *self.ref.sub, side, severity="warning")


class LockProblem(Exception):
    def __init__(self, line: int, column: int, msg: str):
        super().__init__(msg)
        self.line, self.column, self.msg = line, column, msg


def fingerprint(text: str) -> str:
    """A short hash that ignores how the text is wrapped (runs of whitespace count as one space)."""
    return hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()[:HASH_LENGTH]


def _walk(model: object, key: str, loc: tuple[str | int, ...], root_key: str) -> Iterator[tuple[str, tuple, object]]:
    for name in type(model).model_fields:  # type: ignore[attr-defined]
        value = getattr(model, name)
        if isinstance(value, Text):
            yield f"{key}/{name}", (*loc, name), value
        elif isinstance(value, BaseModel):
            yield from _walk(value, f"{key}/{name}", (*loc, name), root_key)
        elif isinstance(value, tuple):
            for index, child in enumerate(value):
                if not isinstance(child, BaseModel):
                    continue
                ident = getattr(child, "id", None)
                # nodes are unique within their roadmap: keep the key when a node moves to another section
                base = root_key if name == "nodes" else key
                yield from _walk(child, f"{base}/{name}/{ident if ident else index}", (*loc, name, index), root_key)


def iter_texts(result: LoadResult) -> Iterator[TextRef]:
    """Every bilingual text of every valid entry, in catalog order."""
    for kind, entries in result.entries.items():
        for entry in entries:
            root_key = f"{kind}/{entry.item.id}"  # type: ignore[attr-defined]
            for key, sub, text in _walk(entry.item, root_key, (), root_key):
                yield TextRef(key, entry, sub, text.en, text.zh)  # type: ignore[attr-defined]


def lock_path(root: Path) -> Path:
    return Path(root) / LOCK_NAME


def parse_lock(text: str) -> Lock:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        hint = " (it has merge-conflict markers: keep the lines of both sides, then re-run `roadmap validate`)" \
            if "<<<<<<<" in text else ""
        raise LockProblem(exc.lineno, exc.colno, f"not valid JSON: {exc.msg}{hint}") from None
    if not isinstance(data, dict):
        raise LockProblem(1, 1, "expected a JSON object of text locations")
    lock: Lock = {}
    for key, value in data.items():
        if key == _NOTE_KEY:
            continue
        if not (isinstance(value, dict) and isinstance(value.get("en"), str) and isinstance(value.get("zh"), str)):
            line = next((n for n, row in enumerate(text.splitlines(), 1) if json.dumps(key) in row), 1)
            raise LockProblem(line, 1, f"entry {key!r} must look like {{\"en\": HASH, \"zh\": HASH}}")
        lock[key] = (value["en"], value["zh"])
    return lock


def read_lock(root: Path) -> Lock:
    """The lock of a catalog directory; empty when there is none. Raises `LockProblem` for a damaged file."""
    path = lock_path(root)
    if not path.is_file():
        return {}
    return parse_lock(path.read_text(encoding="utf-8"))


def render_lock(lock: Lock) -> str:
    lines = [f"  {json.dumps(_NOTE_KEY)}: {json.dumps(_NOTE, ensure_ascii=False)}"]
    for key in sorted(lock):
        en, zh = lock[key]
        lines.append(f"  {json.dumps(key, ensure_ascii=False)}: {{\"en\": \"{en}\", \"zh\": \"{zh}\"}}")
    return "{\n" + ",\n".join(lines) + "\n}\n"


def state_of(ref: TextRef, lock: Lock) -> State:
    if ref.key not in lock:
        return State.UNREVIEWED
    en, zh = ref.hashes()
    old_en, old_zh = lock[ref.key]
    en_changed, zh_changed = en != old_en, zh != old_zh
    if en_changed and zh_changed:
        return State.BOTH_CHANGED
    if en_changed:
        return State.EN_CHANGED
    if zh_changed:
        return State.ZH_CHANGED
    return State.REVIEWED


def statuses(result: LoadResult, lock: Lock) -> list[TextStatus]:
    return [TextStatus(ref, state_of(ref, lock)) for ref in iter_texts(result)]


def orphans(result: LoadResult, lock: Lock) -> list[str]:
    """Lock keys whose text no longer exists (a removed or renamed entry)."""
    keys = {ref.key for ref in iter_texts(result)}
    return sorted(key for key in lock if key not in keys)


def matches(ref: TextRef, selector: str) -> bool:
    """`selector` is a lock key or key prefix, an entry id, or ROADMAP/NODE."""
    selector = selector.strip().strip("/")
    parts = ref.key.split("/")
    if ref.key == selector or ref.key.startswith(selector + "/"):
        return True
    if parts[1] == selector:
        return True
    return parts[0] == "roadmaps" and "nodes" in parts and f"{parts[1]}/{parts[parts.index('nodes') + 1]}" == selector


def select(refs: Iterable[TextRef], selectors: Iterable[str]) -> tuple[list[TextRef], list[str]]:
    """(the texts any selector names, the selectors that named nothing)."""
    refs = list(refs)
    chosen: dict[str, TextRef] = {}
    unknown = []
    for selector in selectors:
        found = [ref for ref in refs if matches(ref, selector)]
        if not found:
            unknown.append(selector)
        chosen.update((ref.key, ref) for ref in found)
    return [ref for ref in refs if ref.key in chosen], unknown


def stamp(lock: Lock, refs: Iterable[TextRef], known_keys: set[str] | None = None) -> Lock:
    """A new lock with `refs` recorded as reviewed; keys not in `known_keys` (if given) are dropped."""
    new = {key: value for key, value in lock.items() if known_keys is None or key in known_keys}
    for ref in refs:
        new[ref.key] = ref.hashes()
    return new


def check(root: Path, result: LoadResult) -> None:
    """The loader's hook: a warning for each text whose other language changed since it was last reviewed."""
    path = lock_path(root)
    try:
        lock = read_lock(root)
    except LockProblem as problem:
        result.errors.append(CatalogError(display_path(path), problem.line, problem.column, "",
                                          f"{LOCK_NAME}: {problem.msg}"))
        return
    except OSError as exc:
        result.errors.append(CatalogError(display_path(path), 1, 1, "", f"cannot read file: {exc.strerror or exc}"))
        return
    if not lock:
        return
    for status in statuses(result, lock):
        warning = status.warning()
        if warning is not None:
            result.warnings.append(warning)
