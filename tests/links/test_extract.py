"""Where URLs come from: the catalog (with sources) and Markdown / HTML / plain-text files."""

from __future__ import annotations

from generator.links.extract import from_catalog, from_file, urls_in_html, urls_in_text
from generator.loader import load_catalog
from generator.models import Catalog, Mirror, Notebook, Resource, Text

MD = """\
# Links
- [Paren](https://en.wikipedia.org/wiki/Transformer_(deep_learning_architecture)) - a page.
- <https://example.org/angle> and https://example.org/bare.
- See (https://example.org/in-parens), or [ref][1]; done!
- [Titled](https://example.org/titled "A title") `https://example.org/code`
[1]: https://example.org/ref
mailto:someone@example.org ftp://example.org/file
"""


def test_urls_in_markdown():
    assert [u for u, _ in urls_in_text(MD)] == [
        "https://en.wikipedia.org/wiki/Transformer_(deep_learning_architecture)",
        "https://example.org/angle",
        "https://example.org/bare",
        "https://example.org/in-parens",
        "https://example.org/titled",
        "https://example.org/code",
        "https://example.org/ref",
    ]
    assert urls_in_text(MD)[0][1] == 2


def test_urls_in_html():
    html = ('<a href="https://example.org/a?x=1&amp;y=2">a</a>\n<img src="https://example.org/i.png">'
            '<a href="/relative">r</a><a href="mailto:x@example.org">m</a>')
    assert urls_in_html(html) == [("https://example.org/a?x=1&y=2", 1), ("https://example.org/i.png", 2)]


def test_from_file_dedupes_with_every_source(tmp_path):
    path = tmp_path / "links.txt"
    path.write_text("https://example.org/a\nhttps://example.org/b\nhttps://example.org/a\n")
    targets = from_file(path, label="links.txt")
    assert [(t.url, t.sources) for t in targets] == [
        ("https://example.org/a", ("links.txt:1", "links.txt:3")),
        ("https://example.org/b", ("links.txt:2",)),
    ]
    page = tmp_path / "page.html"
    page.write_text('<a href="https://example.org/h">h</a>')
    assert [t.url for t in from_file(page)] == ["https://example.org/h"]


def test_from_catalog_with_sources(mini_catalog):
    catalog = load_catalog(mini_catalog)
    targets = {t.url: t.sources for t in from_catalog(catalog)}
    shared = "https://mlabonne.github.io/blog/posts/Introduction_to_Weight_Quantization.html"
    assert len(targets[shared]) == 2  # a resource and a notebook link: checked once
    assert any(s.endswith("resources/basics.yaml#resources/intro-quantization") for s in targets[shared])
    assert any(s.endswith("notebooks/demo.yaml#notebooks/nb-quantization/article_url") for s in targets[shared])
    mirror = targets["https://www.bilibili.com/video/BV1xx411c7mD/"]
    assert mirror[0].endswith("#resources/intro-quantization/mirrors/0")
    assert "https://example.org/old-quantization" not in targets  # previous_urls are not checked


def _catalog() -> Catalog:
    text = Text(en="x", zh="x")
    res = Resource(id="r1", url="https://example.org/r1", title="R", summary=text, kind="article", language="en",
                   access="free", level="beginner", topics=("t",), added="2026-01-01",
                   mirrors=(Mirror(url="https://example.org/m", language="zh", label=text),))
    nb = Notebook(id="n1", title=text, summary=text, topics=("t",), level="beginner", added="2026-01-01",
                  colab_url="https://colab.example.org/n1")
    return Catalog(topics=(), resources=(res,), roadmaps=(), notebooks=(nb,))


def test_from_catalog_without_origins_and_with_a_mapping():
    catalog = _catalog()
    plain = {t.url: t.sources for t in from_catalog(catalog, origins={})}
    assert plain["https://example.org/r1"] == ("resource:r1",)
    assert plain["https://colab.example.org/n1"] == ("notebook:n1/colab_url",)
    mapped = {t.url: t.sources for t in from_catalog(catalog, origins={("resources", "r1"): ("catalog/x.yaml", 3)})}
    assert mapped["https://example.org/r1"] == ("catalog/x.yaml#resources/r1",)
    assert mapped["https://example.org/m"] == ("catalog/x.yaml#resources/r1/mirrors/0",)
