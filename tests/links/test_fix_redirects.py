"""--fix-redirects: a ruamel.yaml round trip that keeps comments and order; old URL -> previous_urls."""

from __future__ import annotations

import json

from generator.links.__main__ import main
from generator.links.fix_redirects import fix_redirects

YAML = """\
# The top comment stays.
resources:
  - id: moved-page   # an end-of-line comment
    url: "https://old.example.org/a"  # quoted, with a comment
    title: A page
    kind: article
    mirrors:
      - url: https://old.example.org/mirror
        language: zh
  - id: already-moved
    url: https://old.example.org/b
    previous_urls:
      - https://older.example.org/b
    title: B page
"""


def test_rewrite_keeps_everything_else(tmp_path):
    path = tmp_path / "resources" / "x.yaml"
    path.parent.mkdir()
    path.write_text(YAML)
    moves = {"https://old.example.org/a": "https://new.example.org/a",
             "https://old.example.org/mirror": "https://new.example.org/mirror",
             "https://old.example.org/b": "https://new.example.org/b"}
    changes = fix_redirects(tmp_path, moves)
    assert [c.where for c in changes] == ["resources/moved-page/url", "resources/moved-page/mirrors/0/url",
                                          "resources/already-moved/url"]
    assert path.read_text() == """\
# The top comment stays.
resources:
  - id: moved-page   # an end-of-line comment
    url: "https://new.example.org/a"  # quoted, with a comment
    previous_urls:
      - https://old.example.org/a
    title: A page
    kind: article
    mirrors:
      - url: https://new.example.org/mirror
        language: zh
  - id: already-moved
    url: https://new.example.org/b
    previous_urls:
      - https://older.example.org/b
      - https://old.example.org/b
    title: B page
"""


def test_dry_run_and_no_moves(tmp_path):
    path = tmp_path / "x.yaml"
    path.write_text(YAML)
    assert fix_redirects(tmp_path, {}) == []
    assert len(fix_redirects(tmp_path, {"https://old.example.org/a": "https://n.org/"}, dry_run=True)) == 1
    assert path.read_text() == YAML


def test_cli_fixes_the_catalog(web, mini_catalog, tmp_path, monkeypatch):
    monkeypatch.setenv("CI", "true")
    resources = mini_catalog / "resources" / "basics.yaml"
    moved = web.url("/redir/301/fix1")
    text = resources.read_text().replace("https://jalammar.github.io/illustrated-transformer/", moved)
    resources.write_text(text)
    out = tmp_path / "out.jsonl"
    code = main(["--catalog", str(mini_catalog), "--allow-private", "--exclude", "^https://",
                 "--fix-redirects", "--format", "jsonl", "--output", str(out), "--no-cache"])
    assert code == 0
    rows = {r["url"]: r for r in map(json.loads, out.read_text().splitlines())}
    assert rows[moved]["status"] == "redirected" and rows[moved]["final_url"] == web.url("/ok/fix1")
    assert rows[moved]["sources"][0].endswith("resources/basics.yaml#resources/illustrated-transformer")
    fixed = resources.read_text()
    assert f"url: {web.url('/ok/fix1')}\n    previous_urls:\n      - {moved}\n" in fixed
    assert fixed.startswith("# yaml-language-server")
    # the rewritten catalog is still valid
    assert main(["--catalog", str(mini_catalog), "--allow-private", "--exclude", "^https://", "--no-cache",
                 "--output", str(out)]) == 0
