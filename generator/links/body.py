"""Reading as little of a page as possible: anchors for a #fragment, the <title> for soft-404s.

Bodies are read raw and decompressed here with `max_length`, so a decompression bomb can never
produce more than the byte budget, however small the compressed input.
"""

from __future__ import annotations

import re
import zlib
from urllib.parse import unquote

SNIFF_BYTES = 32 * 1024  # enough for <head> on almost every page
GITHUB_PREFIX = "user-content-"
_TITLE = re.compile(rb"<title[^>]*>(.*?)</title", re.IGNORECASE | re.DOTALL)
_SOFT_404 = re.compile(
    r"\b(404|page not found|not found|page does not exist|page doesn.t exist|no longer available|"
    r"nothing (was )?found)\b|页面不存在|页面未找到|找不到(该|此)?页面|内容不存在",
    re.IGNORECASE,
)
_CHALLENGE = re.compile(r"just a moment|attention required|checking your browser|ddos-guard|are you a robot|"
                        r"captcha|verify you are human", re.IGNORECASE)
_OVERLAP = 512


class Undecodable(Exception):
    pass


class Decoder:
    """Content-Encoding gzip/deflate (or none), never yielding more than `budget` bytes in total."""

    def __init__(self, encoding: str, budget: int):
        encoding = (encoding or "identity").strip().lower()
        self.budget = budget
        if encoding in ("", "identity"):
            self._zlib = None
        elif encoding in ("gzip", "x-gzip", "deflate"):
            self._zlib = zlib.decompressobj(47 if encoding != "deflate" else 15)
            self._raw_deflate = encoding == "deflate"
            self._first = True
        else:
            raise Undecodable(f"cannot decode Content-Encoding {encoding!r}")

    def feed(self, data: bytes) -> bytes:
        if self.budget <= 0:
            return b""
        if self._zlib is None:
            out = data[: self.budget]
        else:
            try:
                out = self._zlib.decompress(data, self.budget)
            except zlib.error:
                if self._raw_deflate and self._first:  # some servers send raw deflate without a header
                    self._zlib = zlib.decompressobj(-15)
                    self._first = False
                    return self.feed(data)
                raise Undecodable("corrupt compressed body") from None
            self._first = False
        self.budget -= len(out)
        return out

    @property
    def exhausted(self) -> bool:
        return self.budget <= 0


def fragment_names(fragment: str, host: str) -> list[bytes]:
    """The id/name values that satisfy `#fragment` (GitHub renders `id="user-content-x"` for `#x`)."""
    names = {fragment, unquote(fragment)}
    if host.endswith("github.com") or host.endswith("github.io"):
        for name in list(names):
            names.add(name.removeprefix(GITHUB_PREFIX) if name.startswith(GITHUB_PREFIX) else GITHUB_PREFIX + name)
    return [n.encode("utf-8") for n in sorted(names) if n]


def fragment_needs_no_check(fragment: str, host: str) -> bool:
    """Fragments no static page can confirm: empty/#top, text fragments, SPA routes, GitHub line anchors."""
    if fragment in ("", "top") or fragment.startswith((":~:", "/", "!")):
        return True
    return host.endswith("github.com") and re.fullmatch(r"L\d+(C\d+)?(-L\d+(C\d+)?)?", fragment) is not None


def _anchor_pattern(names: list[bytes]) -> re.Pattern[bytes]:
    alternatives = b"|".join(re.escape(n) for n in names)
    return re.compile(rb"""\b(?:id|name)\s*=\s*(?:"(?:%s)"|'(?:%s)'|(?:%s)(?=[\s/>]))""" % ((alternatives,) * 3))


class Scanner:
    """Feeds on decoded chunks; finds anchors for each wanted fragment and the page title."""

    def __init__(self, fragments: dict[str, list[bytes]], sniff: bool):
        self.patterns = {frag: _anchor_pattern(names) for frag, names in fragments.items()}
        self.found: set[str] = set()
        self.sniff = sniff
        self.head = b""
        self.title: str | None = None
        self._tail = b""
        self.seen = 0

    @property
    def done(self) -> bool:
        sniff_done = not self.sniff or self.title is not None or self.seen >= SNIFF_BYTES
        return sniff_done and len(self.found) == len(self.patterns)

    def feed(self, chunk: bytes) -> None:
        if self.sniff and self.title is None and self.seen < SNIFF_BYTES:
            self.head += chunk[: SNIFF_BYTES - self.seen]
            match = _TITLE.search(self.head)
            if match:
                self.title = " ".join(match.group(1).decode("utf-8", "replace").split())[:300]
        self.seen += len(chunk)
        if len(self.found) < len(self.patterns):
            window = self._tail + chunk
            for frag, pattern in self.patterns.items():
                if frag not in self.found and pattern.search(window):
                    self.found.add(frag)
            self._tail = window[-_OVERLAP:]


def soft_404_title(title: str | None) -> bool:
    return bool(title) and _SOFT_404.search(title or "") is not None


def challenge_title(title: str | None) -> bool:
    return bool(title) and _CHALLENGE.search(title or "") is not None
