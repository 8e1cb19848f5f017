"""The committed link-status file and what the site shows for each link.

`catalog/link-status.json` is written by `roadmap check-links --update-status` (the scheduled CI
job commits it) and is the only link data the site reads:

    {"version": 1, "links": {URL: {"status", "http_status", "reason", "final_url", "checked",
                                   "first_failed", "failures", "last_failure"}}}

A link is *dead* only after failing in `DEAD_AFTER` (3) consecutive checks at least a day apart
(`MIN_GAP`, 20 h, so a daily cron that starts a little early still counts). `unknown` results
(bot walls, no network) neither count as failures nor break a streak; a success resets it.
`first_failed` keeps the date of the first failure of the current streak.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .status import LinkResult, Status, parse_time

VERSION = 1
DEAD_AFTER = 3
MIN_GAP = dt.timedelta(hours=20)
ARCHIVE = "https://web.archive.org/web/"


@dataclass(frozen=True)
class LinkHealth:
    state: str  # alive | moved | dead | unchecked
    final_url: str | None = None
    first_failed: str | None = None
    last_checked: str | None = None
    archive_url: str | None = None


def archive_url(url: str) -> str:
    return ARCHIVE + url


def link_health(status_data: dict | None, url: str) -> LinkHealth:
    """What the site should show for `url`, from the parsed link-status file. Pure."""
    entry = ((status_data or {}).get("links") or {}).get(url)
    if not entry:
        return LinkHealth("unchecked")
    checked, first_failed = entry.get("checked"), entry.get("first_failed")
    if int(entry.get("failures") or 0) >= DEAD_AFTER:
        return LinkHealth("dead", entry.get("final_url"), first_failed, checked, archive_url(url))
    if entry.get("status") == Status.REDIRECTED.value and entry.get("final_url"):
        return LinkHealth("moved", entry["final_url"], first_failed, checked)
    if entry.get("status") == Status.OK.value:
        return LinkHealth("alive", entry.get("final_url"), first_failed, checked)
    # unknown (bot wall, no network) or a failure streak still short of DEAD_AFTER: claim nothing yet
    return LinkHealth("unchecked", entry.get("final_url"), first_failed, checked)


def empty() -> dict:
    return {"version": VERSION, "links": {}}


def update(status_data: dict | None, results: Iterable[LinkResult], keep: set[str] | None = None) -> dict:
    """A new status document: `results` (from any number of reports) applied in time order.

    Results older than what the file already has for a URL are ignored, so re-applying a report
    is harmless. With `keep`, URLs not in it (no longer in the catalog) are dropped."""
    data = json.loads(json.dumps(status_data)) if status_data else empty()
    data["version"] = VERSION
    links: dict[str, dict] = data.setdefault("links", {})
    for result in sorted(results, key=lambda r: (parse_time(r.checked_at), r.url)):
        if result.status is Status.SKIPPED or result.offline:
            continue
        _apply(links, result)
    if keep is not None:
        for url in [u for u in links if u not in keep]:
            del links[url]
    return data


def _apply(links: dict[str, dict], result: LinkResult) -> None:
    when = parse_time(result.checked_at)
    entry = links.get(result.url)
    if entry is None:
        entry = links[result.url] = {"failures": 0, "first_failed": None, "last_failure": None}
    elif entry.get("checked") and parse_time(entry["checked"]) >= when:
        return
    entry.update(status=result.status.value, http_status=result.http_status, reason=result.reason,
                 final_url=result.final_url, checked=result.checked_at)
    if result.status in (Status.OK, Status.REDIRECTED):
        entry.update(failures=0, first_failed=None, last_failure=None)
    elif result.status is Status.BROKEN:
        last = entry.get("last_failure")
        if not last or when - parse_time(last) >= MIN_GAP:
            entry["failures"] = int(entry.get("failures") or 0) + 1
            entry["last_failure"] = result.checked_at
        if not entry.get("first_failed"):
            entry["first_failed"] = result.checked_at[:10]


def dumps(status_data: dict) -> str:
    """Deterministic text: sorted keys, two-space indent, a final newline."""
    return json.dumps(status_data, ensure_ascii=False, sort_keys=True, indent=2) + "\n"


def load(path: Path) -> dict:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return empty()
    data = json.loads(text) if text.strip() else empty()
    if not isinstance(data, dict) or not isinstance(data.get("links", {}), dict):
        raise ValueError(f"{path}: not a link-status file")
    return data


def read_report(path: Path) -> list[LinkResult]:
    """Results from a report in the jsonl or json format (`roadmap check-links --format ...`)."""
    text = Path(path).read_text(encoding="utf-8")
    stripped = text.lstrip()
    if stripped.startswith("{") and "\n{" not in stripped.rstrip():
        try:
            doc = json.loads(stripped)
        except ValueError:
            doc = None
        if isinstance(doc, dict) and isinstance(doc.get("results"), list):
            return [LinkResult.from_dict(item) for item in doc["results"]]
    results = []
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip():
            try:
                results.append(LinkResult.from_dict(json.loads(line)))
            except (ValueError, KeyError, TypeError) as exc:
                raise ValueError(f"{path}:{number}: not a link-check result ({exc})") from None
    return results
