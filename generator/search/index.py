"""Catalog -> whoosh index, rebuilt only when the catalog's files change.

The index lives in a directory (default `build/search-index` next to the catalog) holding the whoosh files plus:

    stamp.json    {"catalog_hash", "documents", "seconds", ...}; written last, so its presence means a whole index
    userdict.txt  the Chinese topic names and aliases given to rjieba as a user dictionary
    topics.json   each topic's names and aliases as query terms, for expanding queries across languages

`content_hash` reads the raw bytes of the catalog files (no YAML parsing, no pydantic), so checking that the
index is fresh costs a few milliseconds; `ensure_index` loads the catalog only when it must rebuild. A build
writes a new directory next to the old one and swaps it in, so readers never see half an index.

Both `roadmap index` and `roadmap build` call `ensure_index(catalog_dir, default_index_dir(catalog_dir), load)`.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from whoosh import index as whoosh_index
from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema

from . import analysis, documents, facets

if TYPE_CHECKING:
    from ..models import Catalog

# Bump when the schema or the documents change shape; the sources of the modules below count too.
INDEX_FORMAT = 2
_CODE = tuple(Path(module.__file__) for module in (analysis, documents, facets)) + (Path(__file__),)
# The files `generator.loader` reads (its LAYOUT); tests/search/test_index.py keeps the two in step.
CATALOG_GLOBS = ("topics.yaml", "resources/*.yaml", "roadmaps/*.yaml", "notebooks/*.yaml")

STAMP = "stamp.json"
USERDICT = "userdict.txt"
TOPICS = "topics.json"

FILTER_FIELDS = ("kind", "language", "access", "level", "topic", "roadmap")


class SearchError(Exception):
    """A search problem to show the user as a one-line message: a bad filter value, an unusable index directory."""


def default_index_dir(catalog_dir: Path) -> Path:
    return Path(catalog_dir).resolve().parent / "build" / "search-index"


def make_schema(dictionary: str = "") -> Schema:
    """One weighted text field for the query, ID/KEYWORD fields for the filters, the hit's data as stored JSON."""
    return Schema(
        key=ID(unique=True),  # "resource:<id>" or "notebook:<id>"
        text=TEXT(analyzer=analysis.analyzer(dictionary), phrase=False),
        kind=ID(sortable=True),  # a column too: the ranking prior reads it for each candidate hit
        language=ID, access=ID, level=ID,
        topic=KEYWORD(commas=True),  # the topics and their ancestors
        roadmap=KEYWORD(commas=True),  # the roadmaps that list the item
        data=STORED,
    )


def content_hash(catalog_dir: Path) -> str:
    """A hash of every catalog file's path and bytes, and of the code that shapes the index."""
    root = Path(catalog_dir)
    digest = hashlib.sha256(f"search index format {INDEX_FORMAT}\n".encode())
    for path in _CODE:
        digest.update(path.read_bytes())
    for pattern in CATALOG_GLOBS:
        for path in sorted(root.glob(pattern)):
            digest.update(path.relative_to(root).as_posix().encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def read_stamp(index_dir: Path) -> dict[str, Any] | None:
    try:
        stamp = json.loads((Path(index_dir) / STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return stamp if isinstance(stamp, dict) else None


def read_user_words(index_dir: Path) -> list[str]:
    try:
        return (Path(index_dir) / USERDICT).read_text(encoding="utf-8").split()
    except OSError:
        return []


def read_topic_terms(index_dir: Path) -> list[dict[str, Any]]:
    try:
        topics = json.loads((Path(index_dir) / TOPICS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return topics if isinstance(topics, list) else []


# ----------------------------------------------------------------------------------------------- building


def _looks_like_index(path: Path) -> bool:
    if not path.exists():
        return True
    if not path.is_dir():
        return False
    names = {p.name for p in path.iterdir()}
    return not names or STAMP in names or any(n.endswith(".toc") for n in names)


def _swap_in(new: Path, target: Path) -> None:
    for _ in range(5):
        old = None
        if target.exists():
            old = target.with_name(f".{target.name}.old-{os.getpid()}-{time.monotonic_ns()}")
            try:
                os.rename(target, old)
            except FileNotFoundError:  # another build swapped it away just now
                old = None
        try:
            os.rename(new, target)
        except OSError:  # another build put its index in place first: try again
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)
            continue
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        return
    raise SearchError(f"could not replace {target}: other builds kept replacing it")


def build_index(catalog: Catalog, index_dir: Path, *, content_hash: str | None = None) -> Path:
    """Write a fresh index of `catalog` to `index_dir` (replacing what was there) and return its path."""
    index_dir = Path(index_dir)
    if not _looks_like_index(index_dir):
        raise SearchError(f"refusing to replace {index_dir}: it is not a search index directory")
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    words = analysis.han_words(word for topic in catalog.topics for word in documents.topic_words(topic))
    dictionary = analysis.register_dictionary(words)
    tmp = Path(tempfile.mkdtemp(prefix=f".{index_dir.name}.new-", dir=index_dir.parent))
    try:
        ix = whoosh_index.create_in(str(tmp), make_schema(dictionary))
        writer = ix.writer(limitmb=256)
        count = 0
        for doc in documents.documents(catalog):
            writer.add_document(**doc)
            count += 1
        writer.commit()
        ix.close()
        (tmp / USERDICT).write_text("\n".join(words) + "\n", encoding="utf-8")
        topics = documents.topic_terms(catalog, dictionary)
        (tmp / TOPICS).write_text(json.dumps(topics, ensure_ascii=False), encoding="utf-8")
        stamp = {"format": INDEX_FORMAT, "catalog_hash": content_hash, "documents": count,
                 "dictionary": dictionary, "seconds": round(time.perf_counter() - started, 3),
                 "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
        (tmp / STAMP).write_text(json.dumps(stamp, indent=2) + "\n", encoding="utf-8")
        _swap_in(tmp, index_dir)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return index_dir


def is_fresh(catalog_dir: Path, index_dir: Path, digest: str | None = None) -> bool:
    stamp = read_stamp(index_dir)
    return bool(stamp) and stamp.get("catalog_hash") == (digest or content_hash(catalog_dir))  # type: ignore[union-attr]


def ensure_index(catalog_dir: Path, index_dir: Path | None, load: Callable[[], Catalog]) -> tuple[Path, bool]:
    """The index for `catalog_dir`, rebuilt (with `load()`'s catalog) only when the catalog's files changed.

    Returns (index_dir, rebuilt). `load` is called only for a rebuild; it raises or exits on an invalid catalog.
    """
    index_dir = Path(index_dir) if index_dir else default_index_dir(catalog_dir)
    digest = content_hash(catalog_dir)
    if is_fresh(catalog_dir, index_dir, digest):
        return index_dir, False
    build_index(load(), index_dir, content_hash=digest)
    return index_dir, True
