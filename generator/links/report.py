"""Report formatters, chosen by name: text, json, jsonl, markdown. Each is results -> str."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence

from .status import LinkResult, Status

ORDER = [Status.BROKEN, Status.UNKNOWN, Status.REDIRECTED, Status.SKIPPED, Status.OK]
ICONS = {Status.OK: "✓", Status.REDIRECTED: "→", Status.BROKEN: "✗", Status.UNKNOWN: "?", Status.SKIPPED: "-"}


def _sorted(results: Sequence[LinkResult]) -> list[LinkResult]:
    return sorted(results, key=lambda r: r.url)


def counts(results: Sequence[LinkResult]) -> dict[str, int]:
    found = Counter(r.status for r in results)
    return {status.value: found.get(status, 0) for status in Status}


def summary_line(results: Sequence[LinkResult]) -> str:
    c = counts(results)
    return f"{len(results)} URLs: " + ", ".join(f"{c[s.value]} {s.value}" for s in ORDER)


def as_jsonl(results: Sequence[LinkResult]) -> str:
    return "".join(json.dumps(r.to_dict(), ensure_ascii=False) + "\n" for r in _sorted(results))


def as_json(results: Sequence[LinkResult]) -> str:
    doc = {"summary": {"total": len(results), **counts(results)}, "results": [r.to_dict() for r in _sorted(results)]}
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def as_text(results: Sequence[LinkResult]) -> str:
    lines = []
    for status in ORDER[:-1]:
        for r in (r for r in _sorted(results) if r.status is status):
            lines.append(f"{ICONS[status]} {status.value:<10} {r.url}")
            moved = f" -> {r.final_url}" if r.final_url and r.final_url not in r.reason else ""
            lines.append(f"    {r.reason}{moved}")
            for source in r.sources[:5]:
                lines.append(f"    in {source}")
            if len(r.sources) > 5:
                lines.append(f"    ... and {len(r.sources) - 5} more places")
    lines.append(summary_line(results))
    return "\n".join(lines) + "\n"


def _cell(text: object) -> str:
    return str(text if text is not None else "").replace("|", "\\|").replace("\n", " ")


def as_markdown(results: Sequence[LinkResult]) -> str:
    c = counts(results)
    out = ["# Link check", "", "| status | URLs |", "|---|---:|"]
    out += [f"| {s.value} | {c[s.value]} |" for s in ORDER]
    out.append(f"| **total** | **{len(results)}** |")
    for status in ORDER[:-1]:
        rows = [r for r in _sorted(results) if r.status is status]
        if not rows:
            continue
        out += ["", f"## {status.value.capitalize()} ({len(rows)})", "", "| URL | HTTP | reason | where |",
                "|---|---|---|---|"]
        for r in rows:
            where = "<br>".join(_cell(s) for s in r.sources[:3]) + (" …" if len(r.sources) > 3 else "")
            out.append(f"| <{_cell(r.url)}> | {_cell(r.http_status or '')} | {_cell(r.reason)} | {where} |")
    return "\n".join(out) + "\n"


FORMATTERS: dict[str, Callable[[Sequence[LinkResult]], str]] = {
    "text": as_text,
    "json": as_json,
    "jsonl": as_jsonl,
    "markdown": as_markdown,
}


def render(name: str, results: Sequence[LinkResult]) -> str:
    return FORMATTERS[name](results)
