"""Stale translations: the lock of English/Chinese fingerprints, validate's warnings, `roadmap translations`."""

from __future__ import annotations

import json
from pathlib import Path

from generator.contrib import translations as tr
from generator.loader import check_catalog

from ..conftest import REPO
from .conftest import roadmap_proc, run


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def stamped(mini_catalog: Path, capsys) -> Path:
    code, out, _ = run(capsys, "translations", "--catalog", str(mini_catalog), "--stamp", "--all")
    assert code == 0 and "stamped 17 text(s) (17 new or changed)" in out
    return mini_catalog


def test_keys_are_stable_locations(mini_catalog):
    _, result = check_catalog(mini_catalog)
    keys = [ref.key for ref in tr.iter_texts(result)]
    assert keys == [
        "topics/transformer/name", "topics/transformer/summary", "topics/quantization/name",
        "topics/quantization/summary",
        "resources/illustrated-transformer/summary", "resources/intro-quantization/summary",
        "resources/intro-quantization/mirrors/0/label",
        "roadmaps/demo/title", "roadmaps/demo/summary",
        "roadmaps/demo/sections/basics/title", "roadmaps/demo/sections/basics/summary",
        "roadmaps/demo/nodes/architecture/title", "roadmaps/demo/nodes/architecture/summary",
        "roadmaps/demo/nodes/compression/title", "roadmaps/demo/nodes/compression/summary",
        "notebooks/nb-quantization/title", "notebooks/nb-quantization/summary"]
    assert len(keys) == 17


def test_without_a_lock_nothing_is_reported(mini_catalog):
    _, result = check_catalog(mini_catalog)
    assert not result.warnings and not result.errors


def test_english_edit_flags_the_chinese_side(mini_catalog, capsys):
    stamped(mini_catalog, capsys)
    res = mini_catalog / "resources" / "basics.yaml"
    edit(res, "en: Diagrams that walk through attention step by step.",
         "en: Diagrams that walk through self-attention and multi-head attention step by step.")
    _, result = check_catalog(mini_catalog)
    assert not result.errors
    [warning] = result.warnings
    assert warning.severity == "warning"
    assert (warning.path.endswith("resources/basics.yaml"), warning.line) == (True, 9)  # the zh line
    assert warning.loc == "resources[illustrated-transformer].summary.zh"
    assert "the English text changed after this Chinese translation was last checked" in warning.msg
    assert "roadmap translations --stamp resources/illustrated-transformer/summary" in warning.msg
    code, out, _ = run(capsys, "validate", "--catalog", str(mini_catalog))
    assert code == 0
    assert ": warning: [resources[illustrated-transformer].summary.zh]" in out
    assert "✓ catalog is valid" in out and "(1 warning(s))" in out
    code, out, _ = run(capsys, "translations", "--catalog", str(mini_catalog), "--stale")
    assert code == 0
    assert out.splitlines() == [f"{warning.path}:9: zh is stale: the English changed since it was checked  "
                                "[resources/illustrated-transformer/summary]"]


def test_chinese_edit_flags_the_english_side(mini_catalog, capsys):
    stamped(mini_catalog, capsys)
    edit(mini_catalog / "roadmaps" / "demo.yaml", "zh: 让模型变小。", "zh: 让模型变得更小、更快。")
    _, result = check_catalog(mini_catalog)
    [warning] = result.warnings
    assert warning.loc == "sections[basics].nodes[compression].summary.en"
    assert warning.line == 21
    assert "the Chinese text changed after this English translation" in warning.msg


def test_both_sides_changed_or_new_texts_are_not_warnings(mini_catalog, capsys):
    stamped(mini_catalog, capsys)
    edit(mini_catalog / "topics.yaml", "{en: Storing weights with fewer bits., zh: 用更少的比特存储权重。}",
         "{en: Storing weights in fewer bits., zh: 用更少的位数存储权重。}")
    edit(mini_catalog / "roadmaps" / "demo.yaml", "title: {en: Compression, zh: 压缩}",
         "title: {en: Compression, zh: 压缩}\n        concepts:\n          - name: {en: Absmax, zh: 绝对值最大量化}\n"
         "            detail: {en: Scale by the largest weight., zh: 按最大的权重缩放。}")
    _, result = check_catalog(mini_catalog)
    assert not result.warnings and not result.errors
    code, out, _ = run(capsys, "translations", "--catalog", str(mini_catalog), "--json")
    report = json.loads(out)
    assert report["counts"] == {"reviewed": 16, "en-changed": 0, "zh-changed": 0, "both-changed": 1,
                                "unreviewed": 2}
    states = {t["key"]: t["state"] for t in report["texts"]}
    assert states == {"topics/quantization/summary": "both-changed",
                      "roadmaps/demo/nodes/compression/concepts/0/name": "unreviewed",
                      "roadmaps/demo/nodes/compression/concepts/0/detail": "unreviewed"}
    code, out, _ = run(capsys, "translations", "--catalog", str(mini_catalog))
    assert "both sides changed since last checked" in out
    assert "19 texts: 16 reviewed, 0 stale, 1 changed on both sides, 2 never reviewed" in out


def test_rewrapping_is_not_a_change(mini_catalog, capsys):
    stamped(mini_catalog, capsys)
    edit(mini_catalog / "resources" / "basics.yaml", "      en: Diagrams that walk through attention step by step.",
         "      en: >-\n        Diagrams that walk through\n        attention step by step.")
    _, result = check_catalog(mini_catalog)
    assert not result.warnings


def test_stamp_by_id_node_or_key(mini_catalog, capsys):
    stamped(mini_catalog, capsys)
    edit(mini_catalog / "resources" / "basics.yaml", "zh: 用图一步步讲清注意力机制。",
         "zh: 用图一步一步讲清注意力机制。")
    edit(mini_catalog / "roadmaps" / "demo.yaml", "zh: 让模型变小。", "zh: 让模型变得更小。")
    edit(mini_catalog / "topics.yaml", "zh: 现代语言模型背后的网络结构。", "zh: 现代大语言模型背后的网络结构。")
    assert len(check_catalog(mini_catalog)[1].warnings) == 3
    code, out, _ = run(capsys, "translations", "--catalog", str(mini_catalog), "--stamp", "illustrated-transformer",
                       "demo/compression", "topics/transformer/summary")
    assert code == 0 and "stamped 4 text(s) (3 new or changed)" in out
    assert not check_catalog(mini_catalog)[1].warnings


def test_stamp_usage_errors(mini_catalog, capsys):
    code, _, err = run(capsys, "translations", "--catalog", str(mini_catalog), "--stamp")
    assert code == 2 and "name the texts to stamp" in err
    code, _, err = run(capsys, "translations", "--catalog", str(mini_catalog), "--stamp", "no-such-thing")
    assert code == 2 and "no text matches: no-such-thing" in err
    code, _, err = run(capsys, "translations", "--catalog", str(mini_catalog), "illustrated-transformer")
    assert code == 2 and "only go with --stamp" in err


def test_stamping_drops_entries_of_removed_texts(mini_catalog, capsys):
    stamped(mini_catalog, capsys)
    lock = tr.read_lock(mini_catalog)
    lock["resources/gone/summary"] = ("0" * 10, "1" * 10)
    (mini_catalog / tr.LOCK_NAME).write_text(tr.render_lock(lock), encoding="utf-8")
    code, out, _ = run(capsys, "translations", "--catalog", str(mini_catalog))
    assert "1 lock entries for texts that no longer exist" in out
    run(capsys, "translations", "--catalog", str(mini_catalog), "--stamp", "demo")
    assert "resources/gone/summary" not in tr.read_lock(mini_catalog)


def test_a_damaged_lock_is_an_error_with_its_line(mini_catalog, capsys):
    stamped(mini_catalog, capsys)
    path = mini_catalog / tr.LOCK_NAME
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines.insert(3, "<<<<<<< HEAD\n")
    path.write_text("".join(lines), encoding="utf-8")
    proc = roadmap_proc("validate", "--catalog", str(mini_catalog))
    assert proc.returncode == 1
    assert "translations.lock:4:1: error:" in proc.stdout and "merge-conflict markers" in proc.stdout


def test_lock_format_is_one_sorted_line_per_text(mini_catalog, capsys):
    stamped(mini_catalog, capsys)
    text = (mini_catalog / tr.LOCK_NAME).read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0] == "{" and lines[-1] == "}" and lines[1].startswith('  "//": ')
    keys = [json.loads("{" + line.rstrip(",") + "}").popitem()[0] for line in lines[2:-1]]
    assert keys == sorted(keys) and len(keys) == 17
    assert tr.render_lock(tr.parse_lock(text)) == text


def test_the_committed_lock_is_well_formed():
    text = (REPO / "catalog" / tr.LOCK_NAME).read_text(encoding="utf-8")
    assert tr.render_lock(tr.parse_lock(text)) == text, "run `roadmap translations --stamp ...` to rewrite it"
