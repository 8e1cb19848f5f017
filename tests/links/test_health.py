"""The committed link-status file: dead only after 3 failures a day apart; `link_health` for the site."""

from __future__ import annotations

import datetime as dt
import json

from generator.links import LinkResult, Status, health, link_health
from generator.links.__main__ import main
from generator.links.status import format_time

URL = "https://example.org/page"
T0 = dt.datetime(2026, 1, 1, 3, 0, tzinfo=dt.UTC)


def at(hours: float, status: Status = Status.BROKEN, url: str = URL, **kw) -> LinkResult:
    return LinkResult(url, status, kw.pop("reason", "HTTP 404"), kw.pop("http_status", 404),
                      checked_at=format_time(T0 + dt.timedelta(hours=hours)), **kw)


def test_dead_after_three_failures_a_day_apart():
    data = health.update(None, [at(0)])
    assert link_health(data, URL).state == "unchecked"  # failing, but not dead yet: the site claims nothing
    data = health.update(data, [at(24)])
    assert link_health(data, URL).state == "unchecked"
    data = health.update(data, [at(48)])
    got = link_health(data, URL)
    assert got.state == "dead"
    assert got.first_failed == "2026-01-01"
    assert got.archive_url == "https://web.archive.org/web/https://example.org/page"
    assert got.last_checked == format_time(T0 + dt.timedelta(hours=48))


def test_failures_on_the_same_day_count_once():
    data = health.update(None, [at(0), at(1), at(5), at(12)])
    assert data["links"][URL]["failures"] == 1
    data = health.update(data, [at(21), at(22)])  # a daily cron may start a little early: 20 h counts
    assert data["links"][URL]["failures"] == 2
    assert link_health(data, URL).state == "unchecked"


def test_success_resets_and_unknown_keeps_the_streak():
    data = health.update(None, [at(0), at(24), at(36, Status.UNKNOWN, http_status=403, reason="bot wall")])
    assert data["links"][URL]["failures"] == 2 and data["links"][URL]["first_failed"] == "2026-01-01"
    data = health.update(data, [at(48)])
    assert link_health(data, URL).state == "dead"
    data = health.update(data, [at(72, Status.OK, http_status=200, reason="HTTP 200")])
    assert link_health(data, URL) == health.LinkHealth("alive", None, None, format_time(T0 + dt.timedelta(hours=72)))
    assert data["links"][URL]["failures"] == 0


def test_moved_and_unchecked():
    moved = at(0, Status.REDIRECTED, http_status=200, reason="moved", final_url="https://example.org/new")
    data = health.update(None, [moved])
    assert link_health(data, URL) == health.LinkHealth("moved", "https://example.org/new", None, moved.checked_at)
    assert link_health(data, "https://elsewhere.org/").state == "unchecked"
    assert link_health(None, URL).state == "unchecked"


def test_offline_and_skipped_results_are_ignored():
    offline = at(0, Status.UNKNOWN, reason="no network: DNS resolution failed for every host", http_status=None)
    skipped = at(0, Status.SKIPPED, reason="excluded", http_status=None)
    assert health.update(None, [offline, skipped])["links"] == {}


def test_several_reports_and_stale_results():
    other = "https://other.org/"
    shard1 = [at(0), at(24)]
    shard2 = [at(0, Status.OK, url=other, http_status=200)]
    data = health.update(None, shard2 + shard1)
    assert data["links"][URL]["failures"] == 2 and data["links"][other]["status"] == "ok"
    again = health.update(data, shard1)  # re-applying an old report changes nothing
    assert again == data
    assert set(health.update(data, [], keep={other})["links"]) == {other}


def test_file_is_deterministic():
    data = health.update(None, [at(0, url="https://b.org/"), at(0, url="https://a.org/")])
    text = health.dumps(data)
    assert text == health.dumps(json.loads(text)) and text.endswith("}\n")
    assert text.index("https://a.org/") < text.index("https://b.org/")
    assert list(json.loads(text)) == ["links", "version"]


def test_update_status_cli(tmp_path, capsys):
    report1, report2 = tmp_path / "r1.jsonl", tmp_path / "r2.json"
    report1.write_text("".join(json.dumps(r.to_dict()) + "\n" for r in [at(0), at(24)]))
    report2.write_text(json.dumps({"summary": {}, "results": [at(48).to_dict()]}, indent=2))
    status_file = tmp_path / "link-status.json"
    code = main(["--update-status", str(report1), str(report2), "--status-file", str(status_file)])
    assert code == 0
    data = json.loads(status_file.read_text())
    assert link_health(data, URL).state == "dead"
    assert "1 dead" in capsys.readouterr().err
    bad = tmp_path / "bad.jsonl"
    bad.write_text("not json\n")
    assert main(["--update-status", str(bad), "--status-file", str(status_file)]) == 2
    assert main(["--update-status", str(tmp_path / "missing.jsonl"), "--status-file", str(status_file)]) == 2
