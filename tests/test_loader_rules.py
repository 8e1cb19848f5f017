"""One broken catalog per loader rule: each must name the file, the line and say what is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.loader import check_catalog

RES = "resources/basics.yaml"
MAP = "roadmaps/demo.yaml"
TOP = "topics.yaml"


def replace(path: str, old: str, new: str, count: int = 1):
    def apply(root: Path) -> None:
        file = root / path
        text = file.read_text(encoding="utf-8")
        assert old in text, f"fixture text not found: {old!r}"
        file.write_text(text.replace(old, new, count), encoding="utf-8")

    return apply


def write(path: str, content: str | bytes):
    def apply(root: Path) -> None:
        file = root / path
        file.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            file.write_bytes(content)
        else:
            file.write_text(content, encoding="utf-8")

    return apply


EXTRA_RESOURCE = """resources:
  - id: {id}
    url: {url}
    title: Another page
    summary: {{en: Something else., zh: 另一个页面。}}
    kind: article
    language: en
    access: free
    level: beginner
    topics: [transformer]
    added: 2026-11-23
"""

BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
    f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
    for i in range(8)
)

# (case id, how to break the mini catalog, expected file, expected line, expected words in the message)
CASES = [
    ("yaml-syntax", replace(RES, "    kind: article\n    language: en\n    access: free\n    level: beginner\n"
                                 "    topics: [transformer]\n    authors",
                            "    kind: [article\n    language: en\n    access: free\n    level: beginner\n"
                            "    topics: [transformer]\n    authors"), RES, None, "YAML syntax error"),
    ("tab", replace(RES, "    kind: article", "\tkind: article"), RES, 10, "tab character"),
    ("duplicate-key", replace(RES, "    access: free\n", "    access: free\n    access: paid\n"), RES, 13,
     "duplicate key 'access'"),
    ("wrong-type", replace(RES, "year: 2018", "year: soon"), RES, 16, "must be a number"),
    ("unknown-field", replace(RES, "    year: 2018", "    yeer: 2018"), RES, 16, "unknown field 'yeer'"),
    ("missing-zh", replace(RES, "      zh: 用图一步步讲清注意力机制。\n", ""), RES, 7, "missing required field 'zh'"),
    ("empty-en", replace(RES, "Diagrams that walk through attention step by step.", "'  '"), RES, 8,
     "must not be empty"),
    ("missing-field", replace(RES, "    level: beginner\n", ""), RES, 3, "missing required field 'level'"),
    ("bad-enum", replace(RES, "kind: article", "kind: articel"), RES, 10, "use one of: article, video"),
    ("bad-slug", replace(RES, "id: illustrated-transformer", "id: Illustrated_Transformer"), RES, 3,
     "not a valid id"),
    ("duplicate-id", write("resources/zz.yaml", EXTRA_RESOURCE.format(id="illustrated-transformer",
                                                                     url="https://example.org/other")),
     "resources/zz.yaml", 2, "duplicate resource id 'illustrated-transformer'"),
    ("duplicate-url", write("resources/zz.yaml", EXTRA_RESOURCE.format(
        id="copy", url="http://www.jalammar.github.io/illustrated-transformer?utm_source=x#top")),
     "resources/zz.yaml", 3, "already in the catalog as resource 'illustrated-transformer'"),
    ("duplicate-previous-url", write("resources/zz.yaml", EXTRA_RESOURCE.format(
        id="copy", url="https://example.org/old-quantization/")), "resources/zz.yaml", 3, "same page"),
    ("non-http-url", replace(RES, "url: https://jalammar.github.io/illustrated-transformer/",
                             "url: javascript:alert(1)"), RES, 4, "only http:// and https://"),
    ("url-whitespace", replace(RES, "https://jalammar.github.io/illustrated-transformer/",
                               "'https://jalammar.github.io/illustrated transformer/'"), RES, 4, "spaces"),
    ("dangling-resource", replace(MAP, "resources: [intro-quantization]", "resources: [intro-quantisation]"),
     MAP, 25, "unknown resource 'intro-quantisation'"),
    ("dangling-topic", replace(RES, "topics: [quantization]", "topics: [quantisation]"), RES, 28,
     "unknown topic 'quantisation'"),
    ("dangling-notebook", replace(MAP, "notebooks: [nb-quantization]", "notebooks: [nb-missing]"), MAP, 26,
     "unknown notebook 'nb-missing'"),
    ("dangling-prerequisite", replace(MAP, "requires: [architecture]", "requires: [architektur]"), MAP, 27,
     "unknown prerequisite node 'architektur'"),
    ("prerequisite-cycle", replace(MAP, "        essential: [illustrated-transformer]\n",
                                   "        essential: [illustrated-transformer]\n        requires: [compression]\n"),
     MAP, None, "cycle: "),
    ("essential-not-listed", replace(MAP, "essential: [illustrated-transformer]", "essential: [intro-quantization]"),
     MAP, 18, "must also be listed"),
    ("roadmap-file-name", replace(MAP, "id: demo", "id: other-name"), MAP, 2, "must match its file name"),
    ("topic-parent-cycle", replace(TOP, "  - id: transformer\n", "  - id: transformer\n    parent: quantization\n"),
     TOP, None, "topic parents form a cycle"),
    ("not-utf8", write("resources/zz.yaml", "resources:\n  - id: caf\xe9\n".encode("latin-1")),
     "resources/zz.yaml", 2, "not valid UTF-8"),
    ("too-big", write("resources/zz.yaml", "# " + "x" * (2 * 1024 * 1024) + "\nresources: []\n"),
     "resources/zz.yaml", 1, "under 2 MB"),
    ("alias-bomb", write("resources/zz.yaml", BOMB), "resources/zz.yaml", None, "aliases"),
    ("control-char", replace(RES, "title: The Illustrated Transformer", "title: The Illustrated\x07 Transformer"),
     RES, 5, "control character U+0007"),
    ("wrong-top-level", write("resources/zz.yaml", "resource:\n  - id: x\n"), "resources/zz.yaml", 1,
     "expected a single top-level list 'resources:'"),
    ("second-document", write("resources/zz.yaml", "resources: []\n---\nresources: []\n"), "resources/zz.yaml",
     None, "only one YAML document"),
]


@pytest.mark.timeout(20)
@pytest.mark.parametrize(("name", "breaker", "file", "line", "words"), CASES, ids=[c[0] for c in CASES])
def test_rule_reports_file_line_and_message(mini_catalog, name, breaker, file, line, words):
    breaker(mini_catalog)
    catalog, result = check_catalog(mini_catalog)
    assert catalog is None
    matching = [e for e in result.errors if words in e.msg and e.path.endswith(file)]
    assert matching, f"no error containing {words!r} in {file}; got: " + "\n".join(map(str, result.errors))
    if line is not None:
        assert any(e.line == line for e in matching), [str(e) for e in matching]


def test_all_errors_are_reported_at_once_sorted(mini_catalog):
    replace(RES, "kind: article", "kind: articel")(mini_catalog)
    replace(MAP, "resources: [intro-quantization]", "resources: [nope]")(mini_catalog)
    replace(TOP, "parent: transformer", "parent: nothing")(mini_catalog)
    _, result = check_catalog(mini_catalog)
    assert len(result.errors) == 3
    keys = [(e.path, e.line) for e in result.errors]
    assert keys == sorted(keys)


def test_valid_mini_catalog_loads(mini_catalog):
    catalog, result = check_catalog(mini_catalog)
    assert result.errors == []
    assert catalog is not None
    assert [r.id for r in catalog.resources] == ["illustrated-transformer", "intro-quantization"]
    assert catalog.origin("resources", "intro-quantization")[1] == 18
    assert catalog.placements()["intro-quantization"][0][2].id == "compression"
