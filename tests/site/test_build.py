"""The built site (MkDocs Material, --strict): both languages, links that resolve, no third-party assets, escaped
titles, Chinese search segmentation, and an atomic swap that leaves the old site when a build fails."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from generator.loader import check_catalog, load_catalog
from generator.site.build import BuildError, build_site

from ..conftest import MINI, REPO
from .conftest import make_test_catalog


class Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[tuple[str, str]] = []  # (tag, url) of everything the page links to or loads
        self.handlers: list[str] = []
        self.script_text: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if "id" in values:
            self.ids.add(values["id"])
        for name in ("href", "src"):
            if values.get(name) is not None:
                self.links.append((tag, values[name]))
        self.handlers += [f"{tag} {name}" for name, _ in attrs if name.startswith("on")]
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.script_text.append(data)


def parse(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def html_files(site: Path) -> list[Path]:
    """Every page but 404.html (its links are absolute by design: it is served for any missing path)."""
    return sorted(path for path in site.rglob("*.html") if path.name != "404.html")


def target_of(site: Path, page: Path, url: str) -> tuple[Path, str] | None:
    """The file an internal link points to, and its fragment; None for external links."""
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or url.startswith(("mailto:", "data:", "blob:")):
        return None
    if not parts.path:
        return page, parts.fragment
    base = site.resolve() if parts.path.startswith("/") else page.parent
    target = (base / unquote(parts.path).lstrip("/")).resolve()
    if target.is_dir() or parts.path.endswith("/"):
        target = target / "index.html"
    return target, parts.fragment


def check_links(site: Path) -> list[str]:
    """Every internal link and asset resolves to a file, and every #fragment to an id in it."""
    problems = []
    ids: dict[Path, set[str]] = {}
    pages = {path.resolve(): parse(path) for path in html_files(site)}
    for path, page in pages.items():
        ids[path] = page.ids
    for path, page in pages.items():
        for tag, url in page.links:
            found = target_of(site, path, url)
            if found is None:
                continue
            target, fragment = found
            if not target.is_file():
                problems.append(f"{path.relative_to(site.resolve())}: {tag} -> {url} (missing)")
            elif fragment and target in ids and fragment not in ids[target] and target.name == "index.html":
                problems.append(f"{path.relative_to(site.resolve())}: {tag} -> {url} (no such anchor)")
    return problems


def test_both_languages_are_built(built_site, test_catalog):
    for prefix in ("", "zh/"):
        assert (built_site / prefix / "index.html").is_file()
        for roadmap in test_catalog.roadmaps:
            page = parse(built_site / prefix / "roadmaps" / roadmap.id / "index.html")
            for section, node in roadmap.iter_nodes():
                assert node.id in page.ids and f"section-{section.id}" in page.ids
        for topic in test_catalog.topics:
            assert (built_site / prefix / "topics" / topic.id / "index.html").is_file()
        for name in ("feed.xml", "data/catalog.json", "data/catalog.csv", "resources/index.html",
                     "notebooks/index.html", "new/index.html", "downloads/index.html", "contribute/index.html",
                     "assets/roadmap.js", "assets/roadmap.css", "search/search_index.json"):
            assert (built_site / prefix / name).is_file(), prefix + name
    exported = json.loads((built_site / "data" / "catalog.json").read_text(encoding="utf-8"))
    assert {r["id"] for r in exported["resources"]} == {r.id for r in test_catalog.resources}
    zh_home = (built_site / "zh" / "index.html").read_text(encoding="utf-8")
    assert '<html lang="zh"' in zh_home and "示例路线图" in zh_home


def test_internal_links_and_anchors_resolve(built_site):
    assert check_links(built_site) == []


def test_no_asset_comes_from_another_host(built_site):
    for path in html_files(built_site):
        page = parse(path)
        for tag, url in page.links:
            if tag != "a":  # script, link, img, ...: anything the browser loads by itself
                assert not urlsplit(url).netloc and not urlsplit(url).scheme, (path, tag, url)
        text = path.read_text(encoding="utf-8")
        assert "fonts.googleapis" not in text and "fonts.gstatic" not in text and "shields.io" not in text


def test_hostile_catalog_text_stays_text_in_the_built_pages(built_site):
    for path in html_files(built_site):
        page = parse(path)
        assert not page.handlers, (path, page.handlers)
        assert "alert(" not in "".join(page.script_text), path
        assert not [url for _, url in page.links if url.strip().lower().startswith("javascript:")], path
    raw = (built_site / "roadmaps" / "evil" / "index.html").read_text(encoding="utf-8")
    # Material's own <title> block would turn &lt;/title&gt; back into markup; our override escapes it again
    assert "<title>Evil &lt;/title&gt;&lt;script&gt;alert(5)&lt;/script&gt; - LLM Roadmap</title>" in raw
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in raw
    index = json.loads((built_site / "search" / "search_index.json").read_text(encoding="utf-8"))
    assert all("<script>" not in doc["text"] and "<script>" not in doc["title"] for doc in index["docs"])


def test_search_indexes_are_separate_and_chinese_is_segmented(built_site):
    en = json.loads((built_site / "search" / "search_index.json").read_text(encoding="utf-8"))
    zh = json.loads((built_site / "zh" / "search" / "search_index.json").read_text(encoding="utf-8"))
    assert "\\u200b" in zh["config"]["separator"]  # jieba's word boundaries split words in the browser
    han = re.compile(r"[\u4e00-\u9fff]")
    assert not [doc["location"] for doc in en["docs"] if han.search(doc["title"] + doc["text"])]
    texts = " ".join(doc["title"] + " " + doc["text"] for doc in zh["docs"])
    assert "\u200b" in texts  # jieba was importable at build time
    assert "模型\u200b量化" in texts or "\u200b量化\u200b" in texts
    assert any(doc["location"].startswith("roadmaps/demo/#compression") for doc in zh["docs"])


def test_language_switcher_links_to_the_same_page(built_site):
    en = (built_site / "roadmaps" / "demo" / "index.html").read_text(encoding="utf-8")
    zh = (built_site / "zh" / "roadmaps" / "demo" / "index.html").read_text(encoding="utf-8")
    assert re.search(r'href="\.\./\.\./zh/roadmaps/demo/" hreflang="zh"', en), "en -> zh"
    assert re.search(r'href="\.\./\.\./\.\./roadmaps/demo/" hreflang="en"', zh), "zh -> en"
    # Material's own alternate links (used for its sitemap look-ups) are relative too: any path prefix works
    assert '<link rel="alternate" href="../../zh/" hreflang="zh">' in en


def site_sources(root: Path) -> Path:
    """A private copy of the site sources (configs, overrides, assets, pages) to break."""
    root.mkdir()
    for name in ("mkdocs.yml", "mkdocs.zh.yml"):
        shutil.copy(REPO / name, root / name)
    shutil.copytree(REPO / "site", root / "site")
    return root


def tree(path: Path) -> dict[str, int]:
    return {str(p.relative_to(path)): p.stat().st_mtime_ns for p in path.rglob("*")}


def test_a_failed_build_leaves_the_previous_site_untouched(built_site, tmp_path):
    output = tmp_path / "out" / "site"
    shutil.copytree(built_site, output)
    before = tree(output)
    root = site_sources(tmp_path / "root")
    (root / "site" / "pages" / "en" / "broken.md").write_text("# Broken\n\n[gone](missing.md)\n", encoding="utf-8")
    (root / "site" / "pages" / "zh" / "broken.md").write_text("# 坏页\n", encoding="utf-8")
    with pytest.raises(BuildError) as failure:
        build_site(load_catalog(MINI), output=output, root=root, search_index=False)
    assert "missing.md" in str(failure.value) and "unchanged" in str(failure.value)
    assert tree(output) == before
    assert sorted(p.name for p in output.parent.iterdir() if p.name.startswith(".")) == [
        ".blocks-en.json", ".blocks-zh.json", ".nav-en.json", ".nav-zh.json"]


def test_big_pages_skip_markdown_but_keep_every_resource(built_site, tmp_path, monkeypatch):
    """Very large pages (10,000 resources) have their resource lists put back after Markdown, by the worker."""
    import generator.site.build as build_module

    monkeypatch.setattr(build_module, "BIG_PAGE", 2000)
    catalog_dir = make_test_catalog(tmp_path / "catalog")
    built = build_site(load_catalog(catalog_dir), catalog_dir=catalog_dir, output=tmp_path / "site",
                       search_index=False)
    blocks = json.loads((tmp_path / ".blocks-zh.json").read_text(encoding="utf-8"))
    assert "roadmaps/demo.md" in blocks and "resources.md" in blocks
    for page in ("roadmaps/demo/index.html", "zh/roadmaps/evil/index.html", "resources/index.html"):
        fast = (built.output / page).read_text(encoding="utf-8")
        slow = (built_site / page).read_text(encoding="utf-8")
        assert "data-rm-block" not in fast
        assert fast.count('<li class="rm-res') == slow.count('<li class="rm-res') > 0, page
    zh = json.loads((built.output / "zh" / "search" / "search_index.json").read_text(encoding="utf-8"))
    assert any("图解" in doc["text"] for doc in zh["docs"] if doc["location"].startswith("roadmaps/demo/"))
    assert check_links(built.output) == []


def run_roadmap(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key != "GITHUB_ACTIONS"}
    return subprocess.run([sys.executable, "-m", "generator", *args], capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=300)


def test_roadmap_build_replaces_the_output(tmp_path):
    output = tmp_path / "out" / "site"
    output.mkdir(parents=True)
    (output / "stale.html").write_text("old", encoding="utf-8")
    proc = run_roadmap("build", "--catalog", str(MINI), "--output", str(output), "--no-search-index")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "site built in" in proc.stdout
    assert not (output / "stale.html").exists()
    assert (output / "index.html").is_file() and (output / "zh" / "roadmaps" / "demo" / "index.html").is_file()
    assert (tmp_path / "out" / "docs-en" / "roadmaps" / "demo.md").is_file()
    assert not [p for p in output.parent.iterdir() if p.name.startswith(".site")]


def test_roadmap_build_refuses_an_invalid_catalog(mini_catalog, tmp_path):
    road = mini_catalog / "roadmaps" / "demo.yaml"
    road.write_text(road.read_text(encoding="utf-8").replace("requires: [architecture]", "requires: [nope]"),
                    encoding="utf-8")
    proc = run_roadmap("build", "--catalog", str(mini_catalog), "--output", str(tmp_path / "site"))
    assert proc.returncode == 1
    assert "demo.yaml" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "site").exists()


@pytest.mark.slow
def test_the_real_catalog_builds_strictly(tmp_path):
    catalog, result = check_catalog(REPO / "catalog")
    if catalog is None:
        pytest.skip(f"the real catalog is being edited ({len(result.errors)} errors)")
    built = build_site(catalog, catalog_dir=REPO / "catalog", output=tmp_path / "site", search_index=False)
    assert built.pages["en"] == built.pages["zh"]
    assert check_links(built.output) == []
    for roadmap in catalog.roadmaps:
        assert (built.output / "zh" / "roadmaps" / roadmap.id / "index.html").is_file()
