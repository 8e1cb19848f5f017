"""CONTRIBUTING.md and CONTRIBUTING.zh-CN.md agree, and what they tell a new contributor to run really works."""

from __future__ import annotations

import re
import shlex

import pytest

from generator.loader import check_catalog

from ..conftest import REPO
from .conftest import parse_roadmap, run

EN = REPO / "CONTRIBUTING.md"
ZH = REPO / "CONTRIBUTING.zh-CN.md"


def code_blocks(text: str) -> list[str]:
    return re.findall(r"```sh\n(.*?)```", text, re.DOTALL)


def commands(block: str) -> list[list[str]]:
    """The command lines of a shell block: continuations joined, comments dropped, split like a shell."""
    joined = re.sub(r"\\\n\s*", " ", block)
    found = []
    for line in joined.splitlines():
        line = re.sub(r"\s+#\s.*$", "", line).split(" > ")[0].strip()
        if line:
            found.append(shlex.split(line))
    return found


def roadmap_lines(path) -> list[list[str]]:
    return [argv[1:] for block in code_blocks(path.read_text(encoding="utf-8")) for argv in commands(block)
            if argv[0] == "roadmap"]


def test_both_files_exist_and_link_to_each_other():
    assert "CONTRIBUTING.zh-CN.md" in EN.read_text(encoding="utf-8")
    assert "CONTRIBUTING.md" in ZH.read_text(encoding="utf-8")


def test_same_sections_commands_and_checklist():
    en, zh = EN.read_text(encoding="utf-8"), ZH.read_text(encoding="utf-8")
    numbers = [re.findall(r"^## (\d+)\. ", text, re.MULTILINE) for text in (en, zh)]
    assert numbers[0] == numbers[1] == [str(n) for n in range(1, 9)]
    assert [commands(b) for b in code_blocks(en)] == [commands(b) for b in code_blocks(zh)]
    checklist = [len(re.findall(r"^- \[ \] ", text, re.MULTILINE)) for text in (en, zh)]
    assert checklist[0] == checklist[1] == 7
    for text in (en, zh):
        assert "8" in text and "`roadmap validate`" in text and "make test" in text
        assert "previous_urls" in text and "mirrors" in text and "--stale" in text


def test_every_documented_roadmap_command_parses():
    lines = roadmap_lines(EN)
    assert {args[0] for args in lines} >= {"new", "translations", "changed", "check-links", "validate"}
    for args in lines:
        try:
            parse_roadmap(args)
        except SystemExit:  # pragma: no cover - the failure names the command
            pytest.fail(f"CONTRIBUTING.md: `roadmap {' '.join(args)}` is not a valid command line")


def test_a_new_contributor_adds_everything_the_guide_shows(real_catalog, capsys):
    """Run each documented `roadmap new` command, in order, on a copy of the catalog.

    A contributor who has just followed the guide has the example resource in their catalog already: then the
    command must refuse it as a duplicate, which is the documented behaviour too."""
    new_commands = [args for args in roadmap_lines(EN) if args[0] == "new"]
    assert [args[1] for args in new_commands] == ["resource", "node", "topic", "notebook"]
    for args in new_commands:
        code, out, err = run(capsys, *args, "--catalog", str(real_catalog), "--no-input")
        if code == 1 and "is already in the catalog as" in err:
            continue
        assert code == 0, f"roadmap {' '.join(args)}\n{out}{err}"
        assert "✓ catalog is valid" in out
        assert not [line for line in out.splitlines() if line.startswith("! ")], out  # e.g. a node over 8
    catalog, result = check_catalog(real_catalog)
    assert catalog is not None and not result.errors
    resource = next(r for r in catalog.resources if r.url == "https://jalammar.github.io/illustrated-bert/")
    placed = [f"{roadmap.id}/{node.id}" for roadmap, _, node in catalog.placements()[resource.id]]
    assert "happy-llm/pretrained-language-models" in placed
    assert any(t.parent == "transformer" and t.name.en == "Long context" for t in catalog.topics)


def test_readme_documents_the_contributor_commands_in_both_languages():
    text = (REPO / "README.md").read_text(encoding="utf-8")
    english, chinese = text.split("\n# 大模型学习路线图", 1)
    for part in (english, chinese):
        for command in ("roadmap new", "roadmap changed", "roadmap translations", "CONTRIBUTING"):
            assert command in part, command
