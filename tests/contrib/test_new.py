"""`roadmap new`: non-interactive scaffolding on temporary copies of the catalog."""

from __future__ import annotations

import difflib
import filecmp
import json
from pathlib import Path

import pytest

from generator.contrib import fields, new, scaffold, translations
from generator.loader import check_catalog
from generator.models import Access, Kind, Language, Level

from .conftest import roadmap_proc, run

RESOURCE_FLAGS = ["--title", "Visual Guide to Speculative Decoding", "--kind", "article", "--language", "en",
                  "--access", "free", "--level", "intermediate", "--topic", "quantization",
                  "--summary-en", "Draws how a small draft model proposes tokens that the big model checks at once.",
                  "--summary-zh", "用图讲清小草稿模型如何先提出若干 token，再由大模型一次性验证。"]
MINI_NODE = ["--node", "demo/compression"]
REAL_NODE = ["--node", "llm-course/quantization"]


def only_insertions(before: str, after: str) -> list[str]:
    """The inserted lines; fails if any existing line was changed or removed."""
    inserted = []
    matcher = difflib.SequenceMatcher(a=before.splitlines(), b=after.splitlines(), autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        assert op in ("equal", "insert"), f"existing lines changed: {op} {before.splitlines()[a1:a2]}"
        if op == "insert":
            inserted.extend(after.splitlines()[b1:b2])
    return inserted


def snapshot(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): p.read_text(encoding="utf-8") for p in sorted(root.rglob("*")) if p.is_file()}


def expected_file(root: Path, topic: str) -> str:
    _, result = check_catalog(root)
    counts: dict[str, int] = {}
    for entry in result.entries["resources"]:
        if topic in entry.item.topics:
            counts[Path(entry.path).name] = counts.get(Path(entry.path).name, 0) + 1
    return min(counts, key=lambda name: (-counts[name], name))


def test_new_resource_with_flags_adds_links_validates_and_stamps(real_catalog, capsys):
    before = snapshot(real_catalog)
    target = expected_file(real_catalog, "quantization")
    code, out, err = run(capsys, "new", "resource", "--catalog", str(real_catalog), "--no-input",
                         "--url", "https://example.org/speculative?utm_source=newsletter", *RESOURCE_FLAGS,
                         "--node", "llm-course/quantization", "--author", "Jane Doe", "--year", "2024")
    assert code == 0, out + err
    assert f"added resource 'visual-guide-to-speculative-decoding': {real_catalog}/resources/{target}:" in out \
        or f"resources/{target}:" in out
    assert "listed 'visual-guide-to-speculative-decoding' under node llm-course/quantization" in out
    assert "✓ catalog is valid" in out and "git diff" in out
    after = snapshot(real_catalog)
    changed = {name for name in after if before.get(name) != after[name]}
    assert changed == {f"resources/{target}", "roadmaps/llm-course.yaml", "translations.lock"}
    added = only_insertions(before[f"resources/{target}"], after[f"resources/{target}"])
    assert added[0] == "" and added[1] == "  - id: visual-guide-to-speculative-decoding"
    assert "    url: https://example.org/speculative" in added  # tracking parameter dropped
    assert "    topics: [quantization]" in added and "    authors: [Jane Doe]" in added
    assert "    summary:" in added and any(line.startswith("      zh: 用图讲清") for line in added)
    linked = only_insertions(before["roadmaps/llm-course.yaml"], after["roadmaps/llm-course.yaml"])
    assert [line.strip() for line in linked] in (["- visual-guide-to-speculative-decoding"],
                                                 [])  # block list: one new line; flow list: edited in place
    catalog, result = check_catalog(real_catalog)
    assert catalog is not None and not result.errors and not result.warnings
    node = next(n for _, n in catalog.roadmap("llm-course").iter_nodes() if n.id == "quantization")
    assert node.resources[-1] == "visual-guide-to-speculative-decoding"
    lock = translations.read_lock(real_catalog)
    assert "resources/visual-guide-to-speculative-decoding/summary" in lock


def test_new_resource_prints_file_and_line(mini_catalog, capsys):
    code, out, _ = run(capsys, "new", "resource", "--catalog", str(mini_catalog), "--no-input",
                       "--url", "https://example.org/a", *RESOURCE_FLAGS, *MINI_NODE)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("✓ added resource 'visual-guide-to-speculative-decoding': ")
    assert lines[0].endswith("resources/basics.yaml:36")
    assert lines[1].endswith("roadmaps/demo.yaml:25")  # the flow list `resources: [...]` on the node
    text = (mini_catalog / "roadmaps" / "demo.yaml").read_text(encoding="utf-8")
    assert "resources: [intro-quantization, visual-guide-to-speculative-decoding]" in text


def test_duplicate_url_is_refused_with_the_existing_entry(real_catalog, capsys):
    catalog, result = check_catalog(real_catalog)
    entry = result.entries["resources"][0]
    url = entry.item.url
    variant = url.replace("https://", "http://www.", 1).rstrip("/") + "/" + ("&" if "?" in url else "?") \
        + "utm_medium=social"
    before = snapshot(real_catalog)
    code, out, err = run(capsys, "new", "resource", "--catalog", str(real_catalog), "--no-input",
                         "--url", variant, *RESOURCE_FLAGS, *REAL_NODE)
    assert code == 1
    assert f"is already in the catalog as resource '{entry.item.id}' ({entry.path}:" in err
    assert snapshot(real_catalog) == before


def test_previous_urls_and_mirrors_count_as_taken(mini_catalog, capsys):
    for url in ("https://example.org/old-quantization", "https://bilibili.com/video/BV1xx411c7mD"):
        code, _, err = run(capsys, "new", "resource", "--catalog", str(mini_catalog), "--no-input", "--url", url,
                           *RESOURCE_FLAGS, *MINI_NODE)
        assert code == 1 and "as resource 'intro-quantization'" in err


def test_missing_flags_without_a_terminal_is_a_usage_error(mini_catalog):
    proc = roadmap_proc("new", "resource", "--catalog", str(mini_catalog), "--url", "https://example.org/x")
    assert proc.returncode == 2
    assert "missing required option(s) for `roadmap new resource`: --title, --kind, --language, --access, " \
           "--level, --topic, --summary-en, --summary-zh, --node" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_bad_values_name_the_flag(mini_catalog, capsys):
    flags = [*RESOURCE_FLAGS, *MINI_NODE]
    code, _, err = run(capsys, "new", "resource", "--catalog", str(mini_catalog), "--no-input",
                       "--url", "ftp://example.org/file", *flags)
    assert code == 2 and "--url: only http:// and https:// URLs are allowed" in err
    code, _, err = run(capsys, "new", "resource", "--catalog", str(mini_catalog), "--no-input",
                       "--url", "https://example.org/x", *flags, "--id", "Not A Slug")
    assert code == 2 and "--id: 'Not A Slug' is not a valid id" in err
    code, _, err = run(capsys, "new", "resource", "--catalog", str(mini_catalog), "--no-input",
                       "--url", "https://example.org/x", *flags, "--summary-en", " ")  # the last flag wins
    assert code == 2 and "--summary-en: text must not be empty" in err


def test_unknown_topic_and_node_are_refused_with_suggestions(mini_catalog, capsys):
    flags = [*RESOURCE_FLAGS, *MINI_NODE]
    flags[flags.index("quantization")] = "quantisation"
    code, _, err = run(capsys, "new", "resource", "--catalog", str(mini_catalog), "--no-input",
                       "--url", "https://example.org/x", *flags)
    assert code == 1 and "unknown topic 'quantisation'; did you mean quantization?" in err
    code, _, err = run(capsys, "new", "resource", "--catalog", str(mini_catalog), "--no-input",
                       "--url", "https://example.org/x", *RESOURCE_FLAGS, "--node", "demo/compresion")
    assert code == 1 and "no node 'demo/compresion' in the catalog; did you mean demo/compression" in err
    code, _, err = run(capsys, "new", "resource", "--catalog", str(mini_catalog), "--no-input",
                       "--url", "https://example.org/x", *RESOURCE_FLAGS, "--node", "compression")
    assert code == 1 and "write it as ROADMAP/NODE" in err


def test_id_is_made_unique_and_chinese_titles_fall_back_to_the_url(mini_catalog, capsys):
    flags = [*RESOURCE_FLAGS, *MINI_NODE]
    flags[flags.index("Visual Guide to Speculative Decoding")] = "The Illustrated Transformer"
    code, out, _ = run(capsys, "new", "resource", "--catalog", str(mini_catalog), "--no-input",
                       "--url", "https://example.org/a", *flags)
    assert code == 0 and "added resource 'the-illustrated-transformer'" in out
    flags[flags.index("The Illustrated Transformer")] = "图解大模型"
    code, out, _ = run(capsys, "new", "resource", "--catalog", str(mini_catalog), "--no-input",
                       "--url", "https://www.bilibili.com/video/BV1abc/", *flags)
    assert code == 0 and "added resource 'bilibili-video-bv1abc'" in out
    code, _, err = run(capsys, "new", "resource", "--catalog", str(mini_catalog), "--no-input",
                       "--url", "https://example.org/b", *flags, "--id", "intro-quantization")
    assert code == 1 and "a resource with id 'intro-quantization' already exists" in err


def test_new_resource_lands_beside_its_node_neighbours(real_catalog, capsys):
    code, out, err = run(capsys, "new", "topic", "--catalog", str(real_catalog), "--no-input",
                         "--name-en", "Model welfare", "--name-zh", "模型福祉",
                         "--summary-en", "Whether models have interests worth weighing.",
                         "--summary-zh", "模型是否拥有值得考虑的利益。", "--alias-en", "AI welfare")
    assert code == 0, err
    assert "added topic 'model-welfare'" in out
    flags = [*RESOURCE_FLAGS, "--node", "ninehills/local-open-models"]
    flags[flags.index("quantization")] = "model-welfare"
    # a node with no resources yet and a topic nothing uses: a new community.yaml with the schema header
    code, out, err = run(capsys, "new", "resource", "--catalog", str(real_catalog), "--no-input",
                         "--url", "https://example.org/welfare-2", *flags, "--id", "welfare-two")
    assert code == 0, err
    created = real_catalog / "resources" / "community.yaml"
    first = created.read_text(encoding="utf-8").splitlines()[0]
    assert first == "# yaml-language-server: $schema=../schema/resources.schema.json"
    assert (created.parent / first.split("$schema=")[1]).resolve().is_file()
    flags = [*RESOURCE_FLAGS, *REAL_NODE]
    flags[flags.index("quantization")] = "model-welfare"
    code, out, err = run(capsys, "new", "resource", "--catalog", str(real_catalog), "--no-input",
                         "--url", "https://example.org/welfare", *flags)
    assert code == 0, err
    # llm-course/quantization lists Scientist-track resources, so the new one joins them there
    text = (real_catalog / "resources" / "llm-course-scientist.yaml").read_text(encoding="utf-8")
    assert "\n  - id: visual-guide-to-speculative-decoding\n" in text
    catalog, result = check_catalog(real_catalog)
    assert catalog is not None and not result.warnings
    assert catalog.topic("model-welfare").aliases.en == ("AI welfare",)


def test_explicit_file(mini_catalog, capsys):
    code, out, _ = run(capsys, "new", "resource", "--catalog", str(mini_catalog), "--no-input",
                       "--url", "https://example.org/a", *RESOURCE_FLAGS, *MINI_NODE, "--file", "extra")
    assert code == 0 and "resources/extra.yaml:" in out
    code, out, _ = run(capsys, "new", "resource", "--catalog", str(mini_catalog), "--no-input",
                       "--url", "https://example.org/b", *RESOURCE_FLAGS, *MINI_NODE, "--file", "extra.yaml",
                       "--id", "second")
    assert code == 0
    text = (mini_catalog / "resources" / "extra.yaml").read_text(encoding="utf-8")
    assert "\n\n  - id: second\n" in text  # a file we create separates entries with blank lines


def test_new_node(real_catalog, capsys):
    before = (real_catalog / "roadmaps" / "happy-llm.yaml").read_text(encoding="utf-8")
    code, out, err = run(capsys, "new", "node", "--catalog", str(real_catalog), "--no-input",
                         "--roadmap", "happy-llm", "--section", "foundations",
                         "--title-en", "Tokenizers in depth", "--title-zh", "深入分词器",
                         "--summary-en", "Train a BPE tokenizer and see why it splits words the way it does.",
                         "--summary-zh", "亲手训练一个 BPE 分词器，看懂它为什么这样切分词语。",
                         "--level", "intermediate", "--hours", "3", "--topic", "tokenization",
                         "--requires", "nlp-basics")
    assert code == 0, err
    assert "added node 'happy-llm/tokenizers-in-depth' to section 'foundations'" in out
    after = (real_catalog / "roadmaps" / "happy-llm.yaml").read_text(encoding="utf-8")
    added = only_insertions(before, after)
    assert "      - id: tokenizers-in-depth" in added
    assert "        title: {en: Tokenizers in depth, zh: 深入分词器}" in added
    assert "\n\n      - id: tokenizers-in-depth\n" in after  # blank line between nodes, like the others
    assert "        hours: 3" in added and "        requires: [nlp-basics]" in added
    catalog, result = check_catalog(real_catalog)
    assert catalog is not None and not result.warnings
    section = catalog.roadmap("happy-llm").sections[0]
    assert section.nodes[-1].id == "tokenizers-in-depth"
    assert "roadmaps/happy-llm/nodes/tokenizers-in-depth/summary" in translations.read_lock(real_catalog)


def test_new_node_refusals(mini_catalog, capsys):
    base = ["new", "node", "--catalog", str(mini_catalog), "--no-input", "--title-en", "X", "--title-zh", "十",
            "--summary-en", "S", "--summary-zh", "简", "--level", "beginner", "--hours", "1"]
    code, _, err = run(capsys, *base, "--roadmap", "nope", "--section", "basics")
    assert code == 1 and "no roadmap 'nope'; the roadmaps are: demo" in err
    code, _, err = run(capsys, *base, "--roadmap", "demo", "--section", "advanced")
    assert code == 1 and "has no section 'advanced'; its sections are: basics" in err
    code, _, err = run(capsys, *base, "--roadmap", "demo", "--section", "basics", "--id", "architecture")
    assert code == 1 and "already has a node 'architecture'" in err
    code, _, err = run(capsys, *base, "--roadmap", "demo", "--section", "basics", "--requires", "nothing")
    assert code == 1 and "--requires names no node of roadmap 'demo': nothing" in err


def test_new_notebook_linked_from_a_node(mini_catalog, capsys):
    code, out, err = run(capsys, "new", "notebook", "--catalog", str(mini_catalog), "--no-input",
                         "--title-en", "KV cache by hand", "--title-zh", "手写 KV 缓存",
                         "--summary-en", "Cache keys and values and watch generation speed up.",
                         "--summary-zh", "缓存键和值，看生成速度如何提升。", "--topic", "transformer",
                         "--level", "intermediate", "--colab-url", "https://colab.research.google.com/drive/xyz",
                         "--node", "demo/architecture")
    assert code == 0, err
    assert "added notebook 'nb-kv-cache-by-hand'" in out
    assert "listed 'nb-kv-cache-by-hand' under node demo/architecture" in out
    catalog, _ = check_catalog(mini_catalog)
    assert catalog is not None
    node = catalog.roadmap("demo").sections[0].nodes[0]
    assert node.notebooks == ("nb-kv-cache-by-hand",)
    code, _, err = run(capsys, "new", "notebook", "--catalog", str(mini_catalog), "--no-input",
                       "--title-en", "Again", "--title-zh", "再来", "--summary-en", "S", "--summary-zh", "简",
                       "--topic", "transformer", "--level", "beginner",
                       "--colab-url", "https://colab.research.google.com/drive/abc?usp=sharing")
    assert code == 1 and "already in the catalog as notebook 'nb-quantization'" in err


def test_notebook_needs_a_link(mini_catalog):
    proc = roadmap_proc("new", "notebook", "--catalog", str(mini_catalog), "--title-en", "T", "--title-zh", "题",
                        "--summary-en", "S", "--summary-zh", "简", "--topic", "transformer", "--level", "beginner")
    assert proc.returncode == 2 and "--colab-url or --article-url" in proc.stderr


def test_new_topic_refusals(mini_catalog, capsys):
    base = ["new", "topic", "--catalog", str(mini_catalog), "--no-input", "--name-en", "Quantization",
            "--name-zh", "量化", "--summary-en", "S", "--summary-zh", "简"]
    code, _, err = run(capsys, *base, "--id", "quantization")
    assert code == 1 and "a topic with id 'quantization' already exists" in err
    code, out, _ = run(capsys, *base)
    assert code == 0 and "added topic 'quantization-2'" in out
    code, _, err = run(capsys, *base, "--parent", "nope")
    assert code == 1 and "unknown parent topic 'nope'" in err


def test_an_invalid_catalog_is_not_touched(mini_catalog, capsys):
    path = mini_catalog / "resources" / "basics.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("kind: article", "kind: blog", 1), encoding="utf-8")
    before = snapshot(mini_catalog)
    code, _, err = run(capsys, "new", "resource", "--catalog", str(mini_catalog), "--no-input",
                       "--url", "https://example.org/a", *RESOURCE_FLAGS, *MINI_NODE)
    assert code == 1 and "the catalog has 1 error(s); fix them" in err
    assert snapshot(mini_catalog) == before


def test_apply_rolls_back_when_the_result_is_invalid(mini_catalog, tmp_path):
    import shutil

    pristine = tmp_path / "pristine"
    shutil.copytree(mini_catalog, pristine)
    _, result = check_catalog(mini_catalog)
    values = dict(zip(RESOURCE_FLAGS[0::2], RESOURCE_FLAGS[1::2], strict=True))
    answers = {flag.lstrip("-").replace("-", "_"): value for flag, value in values.items()}
    answers.update(url="https://example.org/new", topic=["quantization"], node=["demo/compression"],
                   file="fresh.yaml")
    plan = new.plan_entry("resource", answers, mini_catalog, result)
    plan.files[mini_catalog / "resources" / "fresh.yaml"].data["resources"][0]["kind"] = "blog"  # break it
    outcome = new.apply(plan, mini_catalog)
    assert outcome.errors and "'blog' is not allowed here" in outcome.errors[0].msg
    assert not (mini_catalog / "resources" / "fresh.yaml").exists()
    assert not filecmp.dircmp(mini_catalog, pristine).diff_files
    assert not (mini_catalog / translations.LOCK_NAME).exists()


def test_field_choices_match_the_schema():
    assert [v for v, _ in fields.KIND_CHOICES] == [k.value for k in Kind]
    assert [v for v, _ in fields.LANGUAGE_CHOICES] == [lang.value for lang in Language]
    assert [v for v, _ in fields.ACCESS_CHOICES] == [a.value for a in Access]
    assert [v for v, _ in fields.LEVEL_CHOICES] == [lv.value for lv in Level]
    for kind_fields in fields.KINDS.values():
        for f in kind_fields:
            assert " / " in f.label and any("\u4e00" <= ch <= "\u9fff" for ch in f.label), f.label


@pytest.mark.parametrize("text, slug", [
    ("The Illustrated Transformer", "the-illustrated-transformer"),
    ("LLM.int8(): 8-bit Matrix Multiplication", "llm-int8-8-bit-matrix-multiplication"),
    ("Café — naïve RAG", "cafe-naive-rag"),
    ("图解", ""),
])
def test_slugify(text, slug):
    assert scaffold.slugify(text) == slug


def test_round_trip_leaves_every_catalog_file_unchanged(real_catalog):
    for path in sorted(real_catalog.rglob("*.yaml")):
        yaml_file = scaffold.YamlFile.open(path)
        assert yaml_file.render() == path.read_text(encoding="utf-8"), path


def test_json_of_lock_is_stable_after_new(real_catalog, capsys):
    code, _, _ = run(capsys, "new", "resource", "--catalog", str(real_catalog), "--no-input",
                     "--url", "https://example.org/lock", *RESOURCE_FLAGS, *REAL_NODE)
    assert code == 0
    text = (real_catalog / translations.LOCK_NAME).read_text(encoding="utf-8")
    assert json.loads(text)  # still valid JSON
    assert translations.render_lock(translations.parse_lock(text)) == text


def test_entry_with_no_neighbours_and_an_unused_topic_goes_to_community_yaml(mini_catalog):
    _, result = check_catalog(mini_catalog)
    chosen = scaffold.choose_file(mini_catalog, result, "resources", ("nothing-uses-this",), None, [])
    assert chosen == mini_catalog / "resources" / "community.yaml"
    by_topic = scaffold.choose_file(mini_catalog, result, "resources", ("transformer",), None, [])
    assert by_topic == mini_catalog / "resources" / "basics.yaml"
