"""The persistent cache: --max-age reuse, and nothing finished is lost when a run is interrupted."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from generator.links import LinkResult, Status
from generator.links.__main__ import main
from generator.links.cache import ResultCache, parse_duration
from generator.links.status import format_time, utc_now

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90s", 90), ("15m", 900), ("12h", 43200), ("7d", 604800), ("1w", 604800), ("1d12h", 129600), ("3600", 3600)],
)
def test_parse_duration(text, seconds):
    assert parse_duration(text) == dt.timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["", "soon", "12x", "h12", "1d x"])
def test_parse_duration_rejects(text):
    with pytest.raises(ValueError):
        parse_duration(text)


def test_append_load_and_torn_lines(tmp_path):
    path = tmp_path / "cache.jsonl"
    with ResultCache(path) as cache:
        cache.append(LinkResult("https://a.example/", Status.OK, "HTTP 200", 200))
        cache.append(LinkResult("https://b.example/", Status.BROKEN, "HTTP 404", 404))
        cache.append(LinkResult("https://c.example/", Status.SKIPPED, "excluded"))  # not cached
        cache.append(LinkResult("https://d.example/", Status.UNKNOWN, "no network: DNS ..."))  # not cached
    with path.open("a") as handle:
        handle.write('{"url": "https://a.example/", "status": "bro')  # killed mid-write
    with ResultCache(path) as cache:
        cache.append(LinkResult("https://a.example/", Status.BROKEN, "HTTP 500", 500))  # starts a new line
    loaded = ResultCache(path).load()
    assert set(loaded) == {"https://a.example/", "https://b.example/"}
    assert loaded["https://a.example/"].http_status == 500  # the last line wins


def test_fresh_respects_max_age(tmp_path):
    cache = ResultCache(tmp_path / "cache.jsonl")
    old = format_time(utc_now() - dt.timedelta(days=3))
    cache.append(LinkResult("https://old.example/", Status.OK, checked_at=old))
    cache.append(LinkResult("https://new.example/", Status.OK))
    cache.close()
    assert set(cache.fresh(dt.timedelta(days=1))) == {"https://new.example/"}
    assert set(cache.fresh(dt.timedelta(days=7))) == {"https://old.example/", "https://new.example/"}


def test_compact_keeps_the_latest(tmp_path):
    cache = ResultCache(tmp_path / "cache.jsonl")
    for i in range(1200):
        cache.append(LinkResult("https://x.example/", Status.OK, str(i)))
    cache.close()
    assert cache.compact()
    assert len((tmp_path / "cache.jsonl").read_text().splitlines()) == 1
    assert cache.load()["https://x.example/"].reason == "1199"


def _cli(urls_file: Path, tmp_path: Path, *extra: str) -> int:
    return main(["--urls-file", str(urls_file), "--allow-private", "--cache", str(tmp_path / "cache.jsonl"),
                 "--format", "jsonl", "--output", str(tmp_path / "out.jsonl"), *extra])


def test_rerun_checks_only_stale_urls(web, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CI", "true")
    urls = tmp_path / "urls.txt"
    urls.write_text(f"{web.url('/ok/c1')}\n{web.url('/status/404/c1')}\n")
    assert _cli(urls, tmp_path) == 1
    assert web.hits["/ok/c1"] == 1
    assert _cli(urls, tmp_path, "--max-age", "1h") == 1  # same verdicts, from the cache
    assert web.hits["/ok/c1"] == 1 and web.hits["/status/404/c1"] == 1
    assert "0 checked, 2 from the cache" in capsys.readouterr().err
    rows = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert {r["status"] for r in rows} == {"ok", "broken"} and all(r["sources"] for r in rows)
    urls.write_text(f"{web.url('/ok/c1')}\n{web.url('/ok/c1-new')}\n")
    assert _cli(urls, tmp_path, "--max-age", "1h") == 0
    assert web.hits["/ok/c1"] == 1 and web.hits["/ok/c1-new"] == 1  # only the new URL was checked
    assert _cli(urls, tmp_path) == 0  # without --max-age everything is checked again
    assert web.hits["/ok/c1"] == 2


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL])
def test_interrupted_run_keeps_finished_results(web, tmp_path, sig):
    fast = [web.url(f"/ok/int-{sig.name}-{i}") for i in range(10)]
    hung = [web.url(f"/hang/int-{sig.name}-{i}") for i in range(3)]
    urls = tmp_path / "urls.md"
    urls.write_text("\n".join(f"- [link]({u})" for u in fast + hung) + "\n")
    cache, out = tmp_path / "cache.jsonl", tmp_path / "out.jsonl"
    proc = subprocess.Popen(
        [sys.executable, "-m", "generator.links", "--urls-file", str(urls), "--allow-private", "--timeout", "30",
         "--cache", str(cache), "--format", "jsonl", "--output", str(out)],
        cwd=REPO, env={**os.environ, "CI": "true"}, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if cache.exists() and len(cache.read_text().splitlines()) >= 10:
                break
            time.sleep(0.05)
        proc.send_signal(sig)
        code = proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()
    cached = {json.loads(line)["url"] for line in cache.read_text().splitlines()}
    assert cached == set(fast)
    if sig is signal.SIGKILL:
        assert code == -signal.SIGKILL
    else:
        assert code == 130
        reported = {json.loads(line)["url"] for line in out.read_text().splitlines()}
        assert reported == set(fast)  # the partial report has every finished result
