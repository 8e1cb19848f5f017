"""A persistent result cache: append-only JSON lines, one line per finished result.

Each line is written with a single `write()` on an O_APPEND descriptor as soon as the result is
known, so a run stopped at any point (Ctrl-C, `kill`, even `kill -9`) keeps every result it
finished. Reading takes the last line for each URL and ignores a torn last line.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from pathlib import Path

from .status import LinkResult, Status, parse_time, utc_now

_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*([wdhms]?)", re.IGNORECASE)
_UNITS = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1, "": 1}


def parse_duration(text: str) -> dt.timedelta:
    """'90s', '15m', '12h', '7d', '1w', '1d12h' or plain seconds."""
    text = text.strip()
    pos, total = 0, 0.0
    for match in _DURATION.finditer(text):
        if match.start() != pos or text[pos:match.start()].strip():
            break
        total += float(match.group(1)) * _UNITS[match.group(2).lower()]
        pos = match.end()
    if not text or pos != len(text):
        raise ValueError(f"not a duration: {text!r} (try 30m, 12h, 7d)")
    return dt.timedelta(seconds=total)


def default_cache_path() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "llm-roadmap" / "link-check.jsonl"


def cacheable(result: LinkResult) -> bool:
    """Skips depend on options and offline results were never checked: neither is kept."""
    return result.status is not Status.SKIPPED and not result.offline


class ResultCache:
    def __init__(self, path: Path):
        self.path = Path(path)
        self._fd: int | None = None

    def load(self) -> dict[str, LinkResult]:
        found: dict[str, LinkResult] = {}
        try:
            handle = self.path.open(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return found
        with handle:
            for line in handle:
                try:
                    result = LinkResult.from_dict(json.loads(line))
                except (ValueError, KeyError, TypeError):
                    continue  # a torn or foreign line
                found[result.url] = result
        return found

    def fresh(self, max_age: dt.timedelta, now: dt.datetime | None = None) -> dict[str, LinkResult]:
        """Cached results checked within `max_age` of `now`."""
        now = now or utc_now()
        fresh = {}
        for url, result in self.load().items():
            try:
                if now - parse_time(result.checked_at) <= max_age and cacheable(result):
                    fresh[url] = result
            except ValueError:
                continue
        return fresh

    def append(self, result: LinkResult) -> None:
        if not cacheable(result):
            return
        if self._fd is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            if os.lseek(self._fd, 0, os.SEEK_END) > 0 and not self._ends_with_newline():
                os.write(self._fd, b"\n")  # a previous run was killed mid-line
        data = (json.dumps(result.to_dict(), ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")
        os.write(self._fd, data)

    def _ends_with_newline(self) -> bool:
        with self.path.open("rb") as handle:
            handle.seek(-1, os.SEEK_END)
            return handle.read(1) == b"\n"

    def compact(self, keep_lines_factor: int = 3) -> bool:
        """Rewrite the file with one line per URL when it has grown well past that. Atomic."""
        try:
            with self.path.open("rb") as handle:
                lines = sum(1 for _ in handle)
        except FileNotFoundError:
            return False
        latest = self.load()
        if lines <= max(1000, keep_lines_factor * len(latest)):
            return False
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        with tmp.open("w", encoding="utf-8") as handle:
            for result in latest.values():
                handle.write(json.dumps(result.to_dict(), ensure_ascii=False, sort_keys=True) + "\n")
        os.replace(tmp, self.path)
        return True

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> ResultCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
