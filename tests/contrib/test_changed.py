"""`roadmap changed --since REV` in temporary git repositories."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from ..conftest import MINI
from .conftest import run

GIT_ENV = {"GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.org", "GIT_COMMITTER_NAME": "Test",
           "GIT_COMMITTER_EMAIL": "test@example.org", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}


def git(repo: Path, *args: str) -> str:
    proc = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, timeout=60,
                          env={**os.environ, **GIT_ENV})
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


NEW_RESOURCE = """  - id: new-video
    url: https://www.bilibili.com/video/BV1new/
    title: 新视频
    summary: {en: A new video., zh: 一个新视频。}
    kind: video
    language: zh
    access: free
    level: beginner
    topics: [transformer]
    mirrors:
      - url: https://www.youtube.com/watch?v=new
        language: en
        label: {en: YouTube copy, zh: YouTube 版}
    added: 2026-11-23
"""


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository with the mini catalog in `data/catalog`, committed on `main`, on a branch `feature`."""
    root = tmp_path / "repo"
    shutil.copytree(MINI, root / "data" / "catalog")
    (root / "README.md").write_text("demo\n", encoding="utf-8")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "base")
    git(root, "checkout", "-q", "-b", "feature")
    return root


def catalog(repo: Path) -> Path:
    return repo / "data" / "catalog"


def make_changes(repo: Path) -> None:
    cat = catalog(repo)
    res = cat / "resources" / "basics.yaml"
    edit(res, "https://jalammar.github.io/illustrated-transformer/", "https://jalammar.github.io/illustrated-transformer-2/")
    res.write_text(res.read_text(encoding="utf-8") + NEW_RESOURCE, encoding="utf-8")
    edit(cat / "roadmaps" / "demo.yaml", "resources: [illustrated-transformer]",
         "resources: [illustrated-transformer, new-video]")
    edit(cat / "topics.yaml", "summary: {en: Storing weights with fewer bits.",
         "summary: {en: Storing weights in fewer bits.")


def test_text_output_lists_entries_and_new_urls(repo, capsys):
    make_changes(repo)  # uncommitted: the working tree counts
    code, out, err = run(capsys, "changed", "--catalog", str(catalog(repo)), "--since", "main")
    assert code == 0, err
    base = git(repo, "rev-parse", "main").strip()
    lines = out.splitlines()
    assert lines[0] == f"Catalog changes since main ({base[:10]}):"
    rows = [line.split() for line in lines[1:5]]
    assert [row[:3] for row in rows] == [["changed", "topic", "quantization"],
                                         ["changed", "resource", "illustrated-transformer"],
                                         ["added", "resource", "new-video"],
                                         ["changed", "node", "demo/architecture"]]
    assert rows[0][-1] == "(summary)" and rows[1][-1] == "(url)" and rows[3][-1] == "(resources)"
    assert rows[2][3].endswith("resources/basics.yaml:36")
    assert lines[5:] == ["3 URL(s) added or changed:", "  https://jalammar.github.io/illustrated-transformer-2/",
                         "  https://www.bilibili.com/video/BV1new/", "  https://www.youtube.com/watch?v=new"]


def test_urls_only_and_json(repo, capsys):
    make_changes(repo)
    git(repo, "commit", "-q", "-am", "change")
    code, out, _ = run(capsys, "changed", "--catalog", str(catalog(repo)), "--since", "main", "--urls-only")
    assert code == 0
    assert out == ("https://jalammar.github.io/illustrated-transformer-2/\nhttps://www.bilibili.com/video/BV1new/\n"
                   "https://www.youtube.com/watch?v=new\n")
    code, out, _ = run(capsys, "changed", "--catalog", str(catalog(repo)), "--since", "main", "--json")
    report = json.loads(out)
    assert report["since"] == "main" and len(report["base"]) == 40 and report["errors"] == 0
    added = [e for e in report["entries"] if e["change"] == "added"]
    assert added == [{"kind": "resource", "id": "new-video", "change": "added", "fields": [],
                      "path": added[0]["path"], "line": 36}]
    assert len(report["urls"]) == 3


def test_removed_entries_and_nothing_changed(repo, capsys):
    code, out, _ = run(capsys, "changed", "--catalog", str(catalog(repo)), "--since", "main")
    assert code == 0 and out.startswith("No catalog entries changed since main")
    code, out, _ = run(capsys, "changed", "--catalog", str(catalog(repo)), "--since", "main", "--urls-only")
    assert code == 0 and out == ""
    (catalog(repo) / "notebooks" / "demo.yaml").write_text("notebooks: []\n", encoding="utf-8")
    edit(catalog(repo) / "roadmaps" / "demo.yaml", "        notebooks: [nb-quantization]\n", "")
    code, out, _ = run(capsys, "changed", "--catalog", str(catalog(repo)), "--since", "main")
    assert "  removed  notebook  nb-quantization" in out
    assert "changed  node      demo/compression" in out and "(notebooks)" in out
    assert out.endswith("0 URL(s) added or changed.\n")


def test_base_is_where_the_branch_left_main(repo, capsys):
    """Work merged into main after the branch started is neither 'removed' nor 'changed' on the branch."""
    git(repo, "checkout", "-q", "main")
    res = catalog(repo) / "resources" / "basics.yaml"
    res.write_text(res.read_text(encoding="utf-8") + NEW_RESOURCE, encoding="utf-8")
    git(repo, "commit", "-q", "-am", "main moves on")
    git(repo, "checkout", "-q", "feature")
    edit(catalog(repo) / "topics.yaml", "name: {en: Quantization, zh: 量化}", "name: {en: Quantisation, zh: 量化}")
    code, out, _ = run(capsys, "changed", "--catalog", str(catalog(repo)), "--since", "main")
    assert code == 0
    assert [line.split()[:3] for line in out.splitlines()[1:-1]] == [["changed", "topic", "quantization"]]
    code, out, _ = run(capsys, "changed", "--catalog", str(catalog(repo)), "--since", "main", "--no-merge-base")
    assert "removed  resource  new-video" in out


def test_everything_is_added_when_rev_had_no_catalog(tmp_path, capsys):
    root = tmp_path / "repo"
    root.mkdir()
    (root / "README.md").write_text("x\n", encoding="utf-8")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "empty")
    shutil.copytree(MINI, root / "catalog")
    code, out, _ = run(capsys, "changed", "--catalog", str(root / "catalog"), "--since", "HEAD", "--urls-only")
    assert code == 0
    assert out.splitlines() == ["https://jalammar.github.io/illustrated-transformer/",
                                "https://mlabonne.github.io/blog/posts/Introduction_to_Weight_Quantization.html",
                                "https://example.org/old-quantization", "https://www.bilibili.com/video/BV1xx411c7mD/",
                                "https://example.org/demo", "https://colab.research.google.com/drive/abc?usp=sharing"]


def test_moving_an_entry_to_another_file_is_no_change(repo, capsys):
    cat = catalog(repo)
    text = (cat / "resources" / "basics.yaml").read_text(encoding="utf-8")
    head, second = text.split("  - id: intro-quantization\n")
    (cat / "resources" / "basics.yaml").write_text(head, encoding="utf-8")
    (cat / "resources" / "more.yaml").write_text("resources:\n  - id: intro-quantization\n" + second,
                                                 encoding="utf-8")
    code, out, _ = run(capsys, "changed", "--catalog", str(cat), "--since", "main")
    assert code == 0 and out.startswith("No catalog entries changed")


def test_errors_are_usage_errors(repo, tmp_path, capsys):
    code, _, err = run(capsys, "changed", "--catalog", str(catalog(repo)), "--since", "no-such-branch")
    assert code == 2 and "unknown revision 'no-such-branch'" in err and "fetch-depth: 0" in err
    outside = tmp_path / "plain" / "catalog"
    shutil.copytree(MINI, outside)
    code, _, err = run(capsys, "changed", "--catalog", str(outside), "--since", "main")
    if code == 2 and "is not inside a git repository" in err:
        return
    pytest.skip("the temporary directory is itself inside a git repository")  # pragma: no cover


def test_invalid_entries_are_reported_not_hidden(repo, capsys):
    edit(catalog(repo) / "resources" / "basics.yaml", "kind: article", "kind: blog")
    code, out, err = run(capsys, "changed", "--catalog", str(catalog(repo)), "--since", "main")
    assert code == 0
    assert "note: the catalog has 1 error(s)" in err
    assert "invalid  resource  illustrated-transformer" in out
