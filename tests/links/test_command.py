"""`roadmap check-links` end to end: options, exit codes, output, shards, --changed-since, progress."""

from __future__ import annotations

import argparse
import json
import re
import subprocess

import pytest

from generator.links import command
from generator.links.__main__ import main
from generator.links.select import shard_of


@pytest.fixture(autouse=True)
def quiet(monkeypatch):
    monkeypatch.setenv("CI", "true")


def _urls(tmp_path, *urls: str):
    path = tmp_path / "links.md"
    path.write_text("".join(f"- [x]({u})\n" for u in urls))
    return path


def test_exit_codes(web, tmp_path, capsys):
    good = _urls(tmp_path, web.url("/ok/e1"), web.url("/li999/e1"))
    assert main(["--urls-file", str(good), "--allow-private", "--no-cache"]) == 0  # unknown is not broken
    bad = _urls(tmp_path, web.url("/ok/e1"), web.url("/status/404/e1"))
    assert main(["--urls-file", str(bad), "--allow-private", "--no-cache"]) == 1
    out = capsys.readouterr().out
    assert "✗ broken" in out and "HTTP 404" in out


@pytest.mark.parametrize(
    "argv",
    [
        ["--urls-file", "missing.md"],
        ["--catalog", "no/such/dir"],
        ["--urls-file", "{file}", "--fix-redirects"],
        ["--urls-file", "{file}", "--exclude", "("],
        ["--urls-file", "{file}", "--update-status", "r.jsonl"],
        ["--urls-file", "{file}", "--changed-since", "no-such-revision-xyz"],
    ],
)
def test_usage_errors_exit_2(tmp_path, argv, capsys):
    file = _urls(tmp_path, "https://example.org/")
    assert main([a.replace("{file}", str(file)) for a in argv]) == 2
    assert "error:" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv",
    [["--format", "xml"], ["--timeout", "0"], ["--per-host", "-1"], ["--max-age", "soon"], ["--shard", "3/2"],
     ["--catalog", "a", "--urls-file", "b"]],
)
def test_bad_option_values_exit_2(argv):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2


def test_help_documents_everything(capsys):
    parser = argparse.ArgumentParser(prog="roadmap check-links")
    command.configure(parser)
    text = parser.format_help()
    for option in ["--catalog", "--urls-file", "--changed-since", "--format", "--output", "--timeout", "--concurrency",
                   "--per-host", "--max-age", "--allow-private", "--shard", "--fix-redirects", "--update-status",
                   "--exclude", "--cache", "--status-file"]:
        assert option in text
    for word in ["redirected", "broken", "unknown", "skipped", "exit codes", "link-status.json"]:
        assert word in text


@pytest.mark.parametrize("fmt", ["text", "json", "jsonl", "markdown"])
def test_formats_to_stdout_and_file(web, tmp_path, capsys, fmt):
    urls = _urls(tmp_path, web.url("/status/404/fmt"))
    assert main(["--urls-file", str(urls), "--allow-private", "--no-cache", "--format", fmt]) == 1
    captured = capsys.readouterr()
    assert web.url("/status/404/fmt") in captured.out
    assert "link check" in captured.err and "broken" in captured.err  # the summary table
    out = tmp_path / f"report.{fmt}"
    main(["--urls-file", str(urls), "--allow-private", "--no-cache", "--format", fmt, "--output", str(out)])
    same_time = re.compile(r'"checked_at": "[^"]+"')
    assert same_time.sub("", out.read_text()) == same_time.sub("", captured.out)
    assert capsys.readouterr().out == ""


def test_progress_bar_only_on_a_terminal(monkeypatch):
    monkeypatch.delenv("CI")
    monkeypatch.setattr("sys.stderr.isatty", lambda: True)
    assert not command._quiet()
    monkeypatch.setenv("CI", "true")
    assert command._quiet()
    monkeypatch.delenv("CI")
    monkeypatch.setattr("sys.stderr.isatty", lambda: False)
    assert command._quiet()


def test_shards_split_by_host():
    urls = [f"https://host{i % 7}.example/{i}" for i in range(50)]
    shards = [{u for u in urls if shard_of(u, 3) == k} for k in (1, 2, 3)]
    assert set().union(*shards) == set(urls) and sum(map(len, shards)) == len(urls)
    for shard in shards:
        hosts = {u.split("/")[2] for u in shard}
        assert all(shard_of(f"https://{h}/other", 3) == shard_of(next(iter(shard)), 3) for h in hosts)


def test_shard_option(web, web2, tmp_path):
    urls = _urls(tmp_path, web.url("/ok/sh1"), web2.url("/ok/sh1"))
    seen = []
    for k in ("1/2", "2/2"):
        out = tmp_path / f"{k[0]}.jsonl"
        main(["--urls-file", str(urls), "--allow-private", "--no-cache", "--shard", k, "--format", "jsonl",
              "--output", str(out)])
        seen += [json.loads(line)["url"] for line in out.read_text().splitlines()]
    assert sorted(seen) == sorted([web.url("/ok/sh1"), web2.url("/ok/sh1")])


def _git(repo, *argv):
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *argv], cwd=repo, check=True,
                   capture_output=True)


def test_changed_since(web, tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    urls = repo / "links.md"
    urls.write_text(f"- {web.url('/ok/cs-old')}\n")
    _git(repo, "add", "links.md")
    _git(repo, "commit", "-q", "-m", "one")
    urls.write_text(f"- {web.url('/ok/cs-old')}\n- {web.url('/ok/cs-new')}\n")
    out = tmp_path / "out.jsonl"
    assert main(["--urls-file", str(urls), "--allow-private", "--no-cache", "--changed-since", "HEAD",
                 "--format", "jsonl", "--output", str(out)]) == 0
    assert [json.loads(line)["url"] for line in out.read_text().splitlines()] == [web.url("/ok/cs-new")]
    assert web.hits["/ok/cs-old"] == 0


def test_changed_since_on_a_catalog(web, mini_catalog, tmp_path):
    _git(mini_catalog, "init", "-q")
    _git(mini_catalog, "add", ".")
    _git(mini_catalog, "commit", "-q", "-m", "catalog")
    res = mini_catalog / "resources" / "basics.yaml"
    res.write_text(res.read_text().replace("https://jalammar.github.io/illustrated-transformer/",
                                           web.url("/ok/cs-catalog")))
    out = tmp_path / "out.jsonl"
    assert main(["--catalog", str(mini_catalog), "--allow-private", "--no-cache", "--changed-since", "HEAD",
                 "--format", "jsonl", "--output", str(out)]) == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["url"] for r in rows] == [web.url("/ok/cs-catalog")]


def test_invalid_catalog_exits_1(mini_catalog, capsys):
    (mini_catalog / "resources" / "basics.yaml").write_text("resources:\n  - id: Not A Slug\n")
    assert main(["--catalog", str(mini_catalog), "--no-cache"]) == 1
    assert "error" in capsys.readouterr().err
