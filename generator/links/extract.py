"""Where the URLs come from: the validated catalog, or a Markdown / HTML / plain-text file.

Every unique URL becomes one `Target` carrying all the places it appears (`sources`), so it is
checked once however often it is listed.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

_URL_START = re.compile(r"https?://", re.IGNORECASE)
_URL_BODY = re.compile(r"[^\s<>\"'`\x00-\x1f\x7f]+")
_TRAILING = ".,;:!?*_~'\""
_PAIRS = {")": "(", "]": "[", "}": "{"}


@dataclass(frozen=True)
class Target:
    """A unique URL to check and every place it appears."""

    url: str
    sources: tuple[str, ...]


def is_checkable(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def merge(pairs: Iterable[tuple[str, str]]) -> list[Target]:
    """(url, source) pairs -> one Target per unique URL, in first-seen order."""
    found: dict[str, list[str]] = {}
    for url, source in pairs:
        url = url.strip()
        if not is_checkable(url):
            continue
        sources = found.setdefault(url, [])
        if source not in sources:
            sources.append(source)
    return [Target(url, tuple(sources)) for url, sources in found.items()]


# -- the catalog ------------------------------------------------------------------------------

Origins = Mapping[tuple[str, str], object] | Callable[[str, str], object]


def _origin_path(catalog: object, origins: Origins | None, kind: str, item_id: str) -> str | None:
    """The file an item came from: `origins[(kind, id)]`, else `catalog.origin(kind, id)`; may be None."""
    found: object = None
    try:
        if callable(origins):
            found = origins(kind, item_id)
        elif origins is not None:
            found = origins.get((kind, item_id))
        elif callable(getattr(catalog, "origin", None)):
            found = catalog.origin(kind, item_id)  # type: ignore[attr-defined]
    except (KeyError, LookupError, AttributeError, TypeError):
        found = None
    if isinstance(found, tuple) and found:
        found = found[0]
    return str(found) if found else None


def _source(catalog: object, origins: Origins | None, kind: str, item_id: str, sub: str = "") -> str:
    path = _origin_path(catalog, origins, kind, item_id)
    singular = kind[:-1]
    if path is None:
        return f"{singular}:{item_id}{sub}"
    return f"{path}#{kind}/{item_id}{sub}"


def catalog_pairs(catalog: object, origins: Origins | None = None) -> Iterable[tuple[str, str]]:
    """(url, source) for every checked URL of the catalog. `previous_urls` are not checked."""
    for res in getattr(catalog, "resources", ()):
        yield res.url, _source(catalog, origins, "resources", res.id)
        for index, mirror in enumerate(res.mirrors):
            yield mirror.url, _source(catalog, origins, "resources", res.id, f"/mirrors/{index}")
    for nb in getattr(catalog, "notebooks", ()):
        for field in ("colab_url", "article_url"):
            url = getattr(nb, field, None)
            if url:
                yield url, _source(catalog, origins, "notebooks", nb.id, f"/{field}")


def from_catalog(catalog: object, origins: Origins | None = None) -> list[Target]:
    """Unique URLs of a `Catalog`. `origins` maps (kind, id) to a path or (path, line); without it
    `catalog.origin(kind, id)` is used when the catalog has it, else sources read `resource:<id>`."""
    return merge(catalog_pairs(catalog, origins))


# -- files ------------------------------------------------------------------------------------


def _trim(url: str) -> str:
    """Drop trailing punctuation and unbalanced closing brackets: `(see https://x.org/a_(b)).`"""
    while url:
        last = url[-1]
        if last in _TRAILING:
            url = url[:-1]
        elif last in _PAIRS and url.count(_PAIRS[last]) < url.count(last):
            url = url[:-1]
        else:
            break
    return url


def urls_in_text(text: str) -> list[tuple[str, int]]:
    """(url, line) for every http(s) URL in Markdown or plain text."""
    found = []
    for lineno, line in enumerate(text.splitlines(), 1):
        for start in _URL_START.finditer(line):
            body = _URL_BODY.match(line, start.start())
            if body is None:
                continue
            url = _trim(body.group(0))
            if is_checkable(url):
                found.append((url, lineno))
    return found


class _LinkParser(HTMLParser):
    ATTRS = {"href", "src", "cite", "action", "poster", "data"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, int]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in self.ATTRS and value and is_checkable(value.strip()):
                self.found.append((html.unescape(value.strip()), self.getpos()[0]))


def urls_in_html(text: str) -> list[tuple[str, int]]:
    parser = _LinkParser()
    parser.feed(text)
    parser.close()
    return parser.found


def from_file(path: Path, label: str | None = None) -> list[Target]:
    """Unique URLs of a Markdown, HTML or plain-text file (one URL per line is plain text)."""
    path = Path(path)
    text = path.read_text(encoding="utf-8", errors="replace")
    label = label or str(path)
    finder = urls_in_html if path.suffix.lower() in (".html", ".htm", ".xhtml") else urls_in_text
    return merge((url, f"{label}:{line}") for url, line in finder(text))
