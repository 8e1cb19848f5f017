"""The two inputs the site reads besides the catalog, read defensively: a missing, unreadable or oddly shaped file
never breaks the build, it only means fewer badges.

- `catalog/link-status.json`, written by the link checker: what the last check found for each URL.
- `build/notebook-results.json`, written by the notebook smoke tests (tests/notebooks/reporting.py): which
  transformers version each of our notebooks was last tested with, and when.

Link health comes from the link checker's own `generator.links.health.link_health` when it is importable; the
small reader here is the fallback.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

# Link-checker statuses -> what the site shows. Anything else (unknown, skipped) shows no badge.
_STATES = {"ok": "alive", "alive": "alive", "redirected": "moved", "moved": "moved", "broken": "dead",
           "dead": "dead"}


@dataclass(frozen=True)
class Health:
    state: str  # "alive" | "moved" | "dead" | "unknown"
    checked: str | None = None  # the date of the last check, YYYY-MM-DD
    final_url: str | None = None  # where a moved link now points
    archive_url: str | None = None  # archive.org fallback for a dead link


UNKNOWN = Health("unknown")


@dataclass(frozen=True)
class Tested:
    transformers: str
    date: str


def read_json(path: Path | None) -> Any:
    """The parsed file, or None when it is missing or not valid JSON."""
    if path is None:
        return None
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def archive_url(url: str) -> str:
    return "https://web.archive.org/web/" + quote(url, safe=":/?#[]@!$&'()*+,;=%~")


def _records(data: Any, id_keys: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    """{key: record} from the shapes a results file may reasonably have: a list of records, a mapping of key to
    record, or either of those under a top-level "results"/"links"/"urls"/"notebooks" key."""
    if isinstance(data, dict):
        for wrapper in ("results", "links", "urls", "notebooks", "items"):
            if wrapper in data and isinstance(data[wrapper], list | dict):
                return _records(data[wrapper], id_keys)
        return {str(key): value for key, value in data.items() if isinstance(value, dict)}
    found: dict[str, dict[str, Any]] = {}
    if isinstance(data, list):
        for record in data:
            if isinstance(record, dict):
                for key in id_keys:
                    if isinstance(record.get(key), str):
                        found[record[key]] = record
                        break
    return found


def _date(value: Any) -> str | None:
    return value[:10] if isinstance(value, str) and len(value) >= 10 else None


def _native():
    """The link checker's own `link_health(status_data, url)`, when the links package provides it."""
    try:
        from generator.links.health import link_health
    except ImportError:
        return None
    return link_health


def _from_native(found: Any, url: str) -> Health:
    record = found if isinstance(found, dict) else getattr(found, "__dict__", {})
    state = record.get("state") or record.get("status")
    state = _STATES.get(str(getattr(state, "value", state)), "unknown")
    checked = _date(record.get("last_checked") or record.get("checked") or record.get("checked_at"))
    final = record.get("final_url")
    archive = record.get("archive_url") or archive_url(url)
    return Health(state, checked, final if state == "moved" and isinstance(final, str) else None,
                  archive if state == "dead" else None)


class LinkStatus:
    """Look-ups into the link-status file, built once per site build."""

    def __init__(self, status_data: Any):
        self.data = status_data
        self.native = _native() if isinstance(status_data, dict) else None
        self.records = _records(status_data, ("url",)) if status_data is not None and not self.native else {}

    def health(self, url: str) -> Health:
        if self.data is None:
            return UNKNOWN
        if self.native is not None:
            try:
                return _from_native(self.native(self.data, url), url)
            except (AttributeError, TypeError, ValueError):  # an unexpected file shape: no badge, no crash
                return UNKNOWN
        record = self.records.get(url) or self.records.get(url.rstrip("/")) or self.records.get(url + "/")
        if record is None:
            return UNKNOWN
        state = _STATES.get(str(record.get("status") or record.get("verdict") or ""), "unknown")
        checked = _date(record.get("checked_at") or record.get("checked") or record.get("last_checked"))
        final = record.get("final_url") if isinstance(record.get("final_url"), str) else None
        if state == "moved" and not (final and final.startswith(("http://", "https://"))):
            final = None
        return Health(state, checked, final if state == "moved" else None,
                      archive_url(url) if state == "dead" else None)


def _epoch_date(value: Any) -> str | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        return dt.datetime.fromtimestamp(value, dt.UTC).date().isoformat()
    return None


def _passed(record: dict[str, Any]) -> bool:
    if "passed" in record:
        return record["passed"] is True
    if "ok" in record:
        return record["ok"] is True
    status = record.get("status") or record.get("outcome")
    return status is None or str(status).lower() in ("passed", "pass", "ok", "success")


class NotebookResults:
    """Look-ups into `build/notebook-results.json` (keyed by notebook id, path or file name)."""

    def __init__(self, data: Any):
        self.records = _records(data, ("id", "notebook", "path", "name")) if data is not None else {}
        # the notebook tests write one run's date at the top: {"date": ..., "notebooks": [{"notebook": ...}]}
        self.run_date = _date(data.get("date")) if isinstance(data, dict) else None

    def tested(self, notebook_id: str, path: str | None) -> Tested | None:
        keys = [notebook_id]
        if path:
            keys += [path, Path(path).name, Path(path).stem]
        for key in keys:
            record = self.records.get(key)
            if record is None or not _passed(record):
                continue
            versions = record.get("versions") if isinstance(record.get("versions"), dict) else {}
            version = record.get("transformers") or record.get("transformers_version") or versions.get("transformers")
            date = _date(record.get("date") or record.get("tested_at") or record.get("finished_at")
                         or record.get("checked_at")) or _epoch_date(record.get("finished")) or self.run_date
            if isinstance(version, str) and date:
                return Tested(version, date)
        return None
