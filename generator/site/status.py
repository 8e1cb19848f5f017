"""The two inputs the site reads besides the catalog. A missing or unreadable file never breaks the build; it only
means fewer badges.

- `catalog/link-status.json`, written by the link checker (format: `generator.links.health`).
- `build/notebook-results.json`, written by the notebook smoke tests (tests/notebooks/reporting.py): which
  transformers version each of our notebooks was last tested with, and when.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..links.health import link_health


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


def _date(value: Any) -> str | None:
    return value[:10] if isinstance(value, str) and len(value) >= 10 else None


class LinkStatus:
    """Look-ups into the link-status file, built once per site build."""

    def __init__(self, status_data: Any):
        ok = isinstance(status_data, dict) and isinstance(status_data.get("links"), dict)
        self.data = status_data if ok else None

    def health(self, url: str) -> Health:
        if self.data is None or not isinstance(self.data["links"].get(url), dict):
            return UNKNOWN
        found = link_health(self.data, url)
        if found.state == "unchecked":
            return UNKNOWN
        return Health(found.state, _date(found.last_checked), found.final_url if found.state == "moved" else None,
                      found.archive_url if found.state == "dead" else None)


class NotebookResults:
    """Look-ups into `build/notebook-results.json`: {"date", "notebooks": [{"notebook": FILE, "passed", ...}]}."""

    def __init__(self, data: Any):
        records = data.get("notebooks") if isinstance(data, dict) else None
        self.run_date = _date(data.get("date")) if isinstance(data, dict) else None
        self.by_file = {record["notebook"]: record for record in records or ()
                        if isinstance(record, dict) and isinstance(record.get("notebook"), str)}

    def tested(self, notebook_id: str, path: str | None) -> Tested | None:
        record = self.by_file.get(Path(path).name) if path else None
        if not record or record.get("passed") is not True:
            return None
        version = record.get("transformers")
        date = _date(record.get("date")) or self.run_date
        return Tested(version, date) if isinstance(version, str) and date else None
