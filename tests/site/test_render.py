"""Rendering without MkDocs: escaping, anchors, badges, the feed, the diagram, the UI strings."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import markdown
import pytest

from generator.loader import load_catalog
from generator.site import diagram
from generator.site.build import static_pages
from generator.site.i18n import LANGS, STRINGS
from generator.site.render import ROOT, Renderer, SiteInputs, md_escape, relative, render_pages
from generator.site.status import LinkStatus, NotebookResults

from ..conftest import REPO
from .conftest import make_test_catalog

SVG = "{http://www.w3.org/2000/svg}"
ATOM = "{http://www.w3.org/2005/Atom}"
EXTENSIONS = ["attr_list", "md_in_html", "admonition", "tables", "toc"]  # as in mkdocs.yml


@pytest.fixture(scope="module")
def pages(test_catalog, test_catalog_dir):
    from generator.site.status import read_json

    status = read_json(test_catalog_dir / "link-status.json")
    results = {"ours-demo": {"transformers": "5.23.0", "date": "2026-11-20", "status": "passed"}}
    return {lang: render_pages(test_catalog, lang, SiteInputs(link_status=status, notebook_results=results,
                                                              static_pages=static_pages(REPO, lang)))
            for lang in LANGS}


def to_html(text: str) -> str:
    """What MkDocs would make of a generated page (front matter dropped)."""
    if text.startswith("---\n"):
        text = text.split("\n---\n", 1)[1]
    return markdown.markdown(text, extensions=EXTENSIONS)


class Audit(HTMLParser):
    """Collects everything in a page that could run script."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []
        self.ids: list[str] = []
        self.hrefs: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag in ("script", "img", "iframe", "object", "embed", "u", "i", "b") or (tag == "svg" and attrs and any(
                name.startswith("on") for name, _ in attrs)):
            self.problems.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"{tag} {name}=")
            if name in ("href", "src", "action", "xlink:href") and (value or "").strip().lower().startswith(
                    ("javascript:", "data:", "vbscript:")):
                self.problems.append(f"{tag} {name}={value}")
            if name == "id":
                self.ids.append(value)
            if name == "href":
                self.hrefs.append(value)


def audit(html: str) -> Audit:
    parser = Audit()
    parser.feed(html)
    return parser


@pytest.mark.parametrize("lang", LANGS)
def test_catalog_text_is_escaped_everywhere(pages, lang):
    for name, text in pages[lang].items():
        if not name.endswith(".md"):
            continue
        html = to_html(text)
        found = audit(html)
        assert not found.problems, (name, found.problems)
        assert "javascript:alert" not in " ".join(found.hrefs), name


def test_hostile_text_shows_up_as_text(pages):
    html = to_html(pages["en"]["roadmaps/evil.md"])
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # the resource title, as text
    assert "[link](javascript:alert(4))" in html  # a Markdown link in a summary stays literal
    assert "**not bold**" in html
    assert '{: onclick="alert(7)" }' in html  # an attribute list in a heading stays literal
    assert ">## [x](javascript:alert(7))" in html
    zh = to_html(pages["zh"]["roadmaps/evil.md"])
    assert "[click me](javascript:alert(2))" in zh  # title_zh on the Chinese page


def test_md_escape_round_trips_through_markdown():
    for text in ["C++ & C# <b>", "1. not a list", "# not a heading {: #id }", "a_b*c*`d` [e](f) !g | h > i \\"]:
        html = markdown.markdown("### " + md_escape(text) + " { #x }", extensions=EXTENSIONS)
        inner = re.search(r"<h3 id=\"x\">(.*)</h3>", html).group(1)
        assert inner == text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"), (text, html)


def test_every_roadmap_node_and_topic_has_a_page_and_anchor(pages, test_catalog):
    for lang in LANGS:
        for roadmap in test_catalog.roadmaps:
            html = to_html(pages[lang][f"roadmaps/{roadmap.id}.md"])
            ids = set(audit(html).ids)
            for section, node in roadmap.iter_nodes():
                assert node.id in ids and f"section-{section.id}" in ids
                assert f'href="#{node.id}"' in html  # the diagram links to it
            assert "rm-map" in ids
        for topic in test_catalog.topics:
            assert f"topics/{topic.id}.md" in pages[lang]
        for page in ("index.md", "topics/index.md", "resources.md", "notebooks.md", "new.md", "downloads.md",
                     "contribute.md", "feed.xml", "data/catalog.json", "data/catalog.csv"):
            assert page in pages[lang], page


def test_no_placeholder_is_left_and_links_are_relative(pages):
    for lang in LANGS:
        for name, text in pages[lang].items():
            assert ROOT not in text and "&lt;~root~&gt;" not in text, name
    assert 'href="../../topics/quantization/"' in pages["en"]["roadmaps/demo.md"]
    assert 'href="topics/quantization/"' not in pages["en"]["roadmaps/demo.md"]
    assert 'href="roadmaps/demo/"' in pages["en"]["index.md"]


def test_relative_links():
    assert relative("roadmaps/a.md", "topics/b.md") == "../../topics/b/"
    assert relative("index.md", "roadmaps/a.md", "n1") == "roadmaps/a/#n1"
    assert relative("roadmaps/a.md", "roadmaps/a.md", "n1") == "#n1"
    assert relative("topics/index.md", "topics/b.md") == "b/"
    assert relative("downloads.md", "data/catalog.json") == "../data/catalog.json"
    assert relative("feed.xml", "new.md") == "new/"


def test_badges_essential_mirrors_and_search_terms(pages):
    en, zh = pages["en"]["roadmaps/demo.md"], pages["zh"]["roadmaps/demo.md"]
    for label in ("Article", "EN", "Free", "Beginner", "Must read", "Chinese-subtitled copy"):
        assert label in en, label
    for label in ("文章", "英文", "免费", "入门", "必读", "中文字幕版"):
        assert label in zh, label
    essential = re.search(r'<li class="rm-res rm-res--essential"[^>]*>.*?</li>', en, re.S).group(0)
    assert "The Illustrated Transformer" in essential
    assert 'href="https://www.bilibili.com/video/BV1xx411c7mD/"' in en  # the mirror
    # topic names and aliases in the page's language, so Material's search finds the resource by them
    assert "模型量化" in zh and "int8" in zh and "模型量化" not in en
    assert "self-attention" in en and "自注意力" in zh
    lora = pages["zh"]["roadmaps/evil.md"]
    assert "LoRA 微调" in lora and "高效微调" in lora


def test_link_health_badges(pages):
    en = pages["en"]["roadmaps/demo.md"]
    assert "✓ Link OK" in en and 'title="last checked 2026-11-22"' in en
    assert "↪ Moved" in en and 'href="https://mlabonne.github.io/blog/quantization/"' in en
    evil = pages["en"]["roadmaps/evil.md"]
    assert "✗ Dead link" in evil and "last checked 2026-11-21" in evil
    assert 'href="https://web.archive.org/web/https://arxiv.org/abs/2106.09685"' in evil
    assert "链接失效" in pages["zh"]["roadmaps/evil.md"]


def test_link_status_reader_is_defensive():
    for junk in (None, [], "text", 3, {"links": []}, {"links": {"https://a.org/": "ok"}}, {"results": [1, None]}):
        assert LinkStatus(junk).health("https://a.org/").state == "unknown"


def test_link_status_states():
    links = {
        "https://ok.org/": {"status": "ok", "failures": 0, "checked": "2026-11-20T01:00:00Z"},
        "https://flaky.org/": {"status": "broken", "failures": 1, "checked": "2026-11-20T01:00:00Z"},
        "https://walled.org/": {"status": "unknown", "failures": 0, "checked": "2026-11-20T01:00:00Z"},
        "https://gone.org/": {"status": "broken", "failures": 3, "first_failed": "2026-11-18",
                              "checked": "2026-11-20T01:00:00Z"},
    }
    status = LinkStatus({"version": 1, "links": links})
    assert status.health("https://ok.org/").state == "alive"
    assert status.health("https://ok.org/").checked == "2026-11-20"
    assert status.health("https://flaky.org/").state == "unknown"  # not dead until 3 failures a day apart
    assert status.health("https://walled.org/").state == "unknown"
    dead = status.health("https://gone.org/")
    assert dead.state == "dead" and dead.archive_url == "https://web.archive.org/web/https://gone.org/"


def test_notebook_results():
    # the shape tests/notebooks/reporting.py writes: one run date on top, records keyed by file name
    run = NotebookResults({"date": "2026-11-23T12:41:04+00:00", "versions": {"transformers": "5.23.0"},
                           "notebooks": [{"notebook": "02_q.ipynb", "outcome": "passed", "passed": True,
                                          "transformers": "5.23.0"},
                                         {"notebook": "03_f.ipynb", "outcome": "failed", "passed": False,
                                          "transformers": "5.23.0"}]})
    tested = run.tested("ours-q", "notebooks/02_q.ipynb")
    assert tested is not None and tested.transformers == "5.23.0" and tested.date == "2026-11-23"
    assert run.tested("ours-f", "notebooks/03_f.ipynb") is None  # failed: no "tested" badge
    assert run.tested("nb-x", None) is None
    assert NotebookResults(None).tested("x", "notebooks/x.ipynb") is None
    assert NotebookResults("junk").tested("x", "notebooks/x.ipynb") is None


def test_tested_badge_and_colab_for_our_notebooks(tmp_path):
    catalog_dir = make_test_catalog(tmp_path / "catalog")
    (catalog_dir / "notebooks" / "ours.yaml").write_text(
        "notebooks:\n  - id: ours-demo\n    title: {en: Our demo, zh: 我们的示例}\n"
        "    summary: {en: Runs on tiny models., zh: 用微型模型运行。}\n    topics: [quantization]\n"
        "    level: beginner\n    path: notebooks/01_demo.ipynb\n    added: 2026-11-23\n", encoding="utf-8")
    catalog = load_catalog(catalog_dir)
    results = {"date": "2026-11-20T09:00:00+00:00",
               "notebooks": [{"notebook": "01_demo.ipynb", "passed": True, "transformers": "5.23.0"}]}
    inputs = SiteInputs(notebook_results=results,
                        repository="https://github.com/llm-roadmap/llm-roadmap")
    en = Renderer(catalog, "en", inputs).pages()["notebooks.md"]
    assert "tested with transformers 5.23.0 on 2026-11-20" in en
    assert "https://colab.research.google.com/github/llm-roadmap/llm-roadmap/blob/main/notebooks/01_demo.ipynb" in en
    assert 'href="../notebooks/01_demo.ipynb" download' in en
    zh = Renderer(catalog, "zh", inputs).pages()["notebooks.md"]
    assert "已用 transformers 5.23.0 于 2026-11-20 测试通过" in zh and "在 Colab 中打开" in zh


@pytest.mark.parametrize("lang", LANGS)
def test_feed_is_valid_atom(pages, test_catalog, lang):
    root = ET.fromstring(pages[lang]["feed.xml"].encode("utf-8"))
    assert root.tag == f"{ATOM}feed"
    for child in ("id", "title", "updated", "author"):
        assert root.find(f"{ATOM}{child}") is not None, child
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == len(test_catalog.resources)
    for entry in entries:
        for child in ("id", "title", "updated", "link"):
            assert entry.find(f"{ATOM}{child}") is not None, child
        assert entry.find(f"{ATOM}link").get("href").startswith("https://")
    assert entries[0].find(f"{ATOM}id").text.endswith("lora-paper")  # newest first (added 2026-11-25)
    assert root.find(f"{ATOM}updated").text == "2026-11-25T00:00:00Z"
    titles = [entry.find(f"{ATOM}title").text for entry in entries]
    assert "<script>alert(1)</script>" in titles or "[click me](javascript:alert(2))" in titles  # text, not markup


def check_svg(roadmap, lang):
    svg = diagram.render_svg(roadmap, lang)
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    nodes = [node for _, node in roadmap.iter_nodes()]
    links = [a for a in root.iter(f"{SVG}a") if "rm-dnode" in a.get("class", "")]
    assert sorted(a.get("href") for a in links) == sorted(f"#{node.id}" for node in nodes)
    arrows = [p for p in root.iter(f"{SVG}path") if "rm-arrow" in (p.get("class") or "").split()]
    assert sorted((p.get("data-from"), p.get("data-to")) for p in arrows) == sorted(
        (required, node.id) for node in nodes for required in node.requires)
    assert all(p.get("marker-end") for p in arrows)
    return diagram.layout(roadmap)


def boxes_overlap(plan) -> list[tuple[str, str]]:
    boxes = list(plan.boxes.values())
    found = []
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            if abs(a.x - b.x) < diagram.BOX_W and abs(a.y - b.y) < diagram.BOX_H:
                found.append((a.node.id, b.node.id))
    return found


def test_diagram_is_svg_with_one_link_per_node_and_an_arrow_per_prerequisite(test_catalog):
    for roadmap in test_catalog.roadmaps:
        for lang in LANGS:
            plan = check_svg(roadmap, lang)
            assert not boxes_overlap(plan)
            assert all(0 <= box.x and box.x + diagram.BOX_W <= plan.width for box in plan.boxes.values())


def test_diagram_of_the_real_catalog_and_a_large_synthetic_one(tmp_path):
    from generator.loader import check_catalog

    real, _ = check_catalog(REPO / "catalog")
    roadmaps = list(real.roadmaps) if real else []  # the catalog may be mid-edit; then only the synthetic one
    import sys

    sys.path.insert(0, str(REPO / "bench"))
    from synthetic import write_synthetic_catalog

    synthetic = load_catalog(write_synthetic_catalog(tmp_path / "synthetic", 480))  # 60 nodes in chains
    roadmaps.append(synthetic.roadmaps[0])
    for roadmap in roadmaps:
        plan = check_svg(roadmap, "zh")
        assert not boxes_overlap(plan), roadmap.id


def test_diagram_text_wraps_to_the_box():
    assert diagram.wrap("Short") == ["Short"]
    lines = diagram.wrap("Retrieval augmented generation with very long words indeed")
    assert len(lines) == 2 and lines[-1].endswith("…")
    assert len(diagram.wrap("大语言模型的原理、训练、数据工程、推理优化与应用研究全流程")) == 2
    assert diagram.wrap("Supercalifragilisticexpialidociousnessly")[0]  # one long word is cut, not lost


def test_ui_strings_exist_in_both_languages():
    assert set(STRINGS["en"]) == set(STRINGS["zh"])
    for key, text in STRINGS["en"].items():
        assert text.strip() and STRINGS["zh"][key].strip(), key
        assert sorted(re.findall(r"{(\w+)}", text)) == sorted(re.findall(r"{(\w+)}", STRINGS["zh"][key])), key


def test_hand_written_pages_exist_in_both_languages():
    en, zh = static_pages(REPO, "en"), static_pages(REPO, "zh")
    assert set(en) == set(zh) and "index.md" in en
    for lang, found in (("en", en), ("zh", zh)):
        assert "<!-- roadmap:cards -->" in found["index.md"], lang


def test_english_pages_carry_no_chinese(pages):
    """The English site's search index must not mix in Chinese: no Chinese text on English pages (the hostile
    fixture's pages aside, whose Chinese names are the point of the test; contribute.md shows a bilingual YAML
    example, kept out of the search index)."""
    han = re.compile(r"[\u4e00-\u9fff]")
    for name, text in pages["en"].items():
        if name.endswith(".md") and "evil" not in name and name != "contribute.md":
            assert not han.search(text), (name, han.findall(text)[:5])


def test_nav_uses_only_page_paths_and_ui_strings(test_catalog):
    nav = Renderer(test_catalog, "zh", SiteInputs(static_pages={"index.md": "# x", "contribute.md": "# y"})).nav()
    flat = []

    def walk(items):
        for item in items:
            if isinstance(item, dict):
                for title, value in item.items():
                    assert title in STRINGS["zh"].values()
                    walk(value if isinstance(value, list) else [value])
            else:
                flat.append(item)

    walk(nav)
    assert "roadmaps/evil.md" in flat and "topics/peft-lora.md" in flat and "contribute.md" in flat
    assert all(isinstance(item, str) and item.endswith(".md") for item in flat)
