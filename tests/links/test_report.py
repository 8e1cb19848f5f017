"""The closed status set, the result record, and the formatters chosen by name."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from generator.links import LinkResult, Status
from generator.links.report import FORMATTERS, render

RESULTS = [
    LinkResult("https://b.example/", Status.BROKEN, "HTTP 404", 404, None, "2026-01-01T00:00:00Z", ("x.yaml#r/b",)),
    LinkResult("https://a.example/", Status.OK, "HTTP 200", 200, None, "2026-01-01T00:00:00Z", ("x.yaml#r/a",)),
    LinkResult("https://c.example/", Status.REDIRECTED, "moved", 200, "https://c2.example/", "2026-01-01T00:00:00Z"),
    LinkResult("https://d.example/|x", Status.UNKNOWN, "bot protection: 999", 999),
    LinkResult("https://e.example/", Status.SKIPPED, "excluded"),
]


def test_status_set_is_closed_and_maps_to_verdicts():
    assert [s.value for s in Status] == ["ok", "redirected", "broken", "unknown", "skipped"]
    assert {s.value: s.verdict for s in Status} == {
        "ok": "ok", "redirected": "ok", "broken": "broken", "unknown": "skipped", "skipped": "skipped"}


def test_result_round_trip():
    for result in RESULTS:
        assert LinkResult.from_dict(json.loads(json.dumps(result.to_dict()))) == result


def test_jsonl_has_every_field_and_the_verdict():
    lines = render("jsonl", RESULTS).splitlines()
    rows = [json.loads(line) for line in lines]
    assert [r["url"] for r in rows] == sorted(r.url for r in RESULTS)
    assert set(rows[0]) == {"url", "status", "verdict", "http_status", "final_url", "reason", "checked_at", "sources"}
    assert {r["url"]: r["verdict"] for r in rows}["https://d.example/|x"] == "skipped"


def test_json_text_markdown():
    doc = json.loads(render("json", RESULTS))
    assert doc["summary"] == {"total": 5, "ok": 1, "redirected": 1, "broken": 1, "unknown": 1, "skipped": 1}
    text = render("text", RESULTS)
    assert "✗ broken     https://b.example/" in text and "in x.yaml#r/b" in text
    assert "https://a.example/" not in text  # ok links are only counted
    assert text.rstrip().endswith("5 URLs: 1 broken, 1 unknown, 1 redirected, 1 skipped, 1 ok")
    md = render("markdown", RESULTS)
    assert "| broken | 1 |" in md and "## Broken (1)" in md and "\\|x" in md
    assert set(FORMATTERS) == {"text", "json", "jsonl", "markdown"}


def test_modules_stay_small():
    package = Path(__file__).resolve().parents[2] / "generator" / "links"
    sizes = {p.name: len(p.read_text().splitlines()) for p in package.glob("*.py")}
    assert max(sizes.values()) <= 300, sizes


@pytest.mark.parametrize("name", ["text", "json", "jsonl", "markdown"])
def test_empty_reports(name):
    text = render(name, [])
    assert text == "" if name == "jsonl" else text.endswith("\n")


def test_exported_members():
    import generator.links as links

    assert all(getattr(links, name) for name in links.__all__)
    with pytest.raises(AttributeError):
        links.no_such_name  # noqa: B018
