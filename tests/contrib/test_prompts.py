"""The prompts of `roadmap new`: which questions are asked, with which choices, and the real questionary widgets
driven through a pipe instead of a terminal."""

from __future__ import annotations

import pytest
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from generator.contrib import fields, prompts
from generator.loader import load_catalog


class FakeAsker:
    """Answers from a dict keyed by the start of the label; records what was asked."""

    def __init__(self, answers: dict[str, object]):
        self.answers = answers
        self.asked: list[tuple[str, str, list[str]]] = []

    def _answer(self, how: str, label: str, choices=()) -> object:
        self.asked.append((how, label, [value for value, _ in choices]))
        for start, answer in self.answers.items():
            if label.startswith(start):
                return answer
        raise AssertionError(f"unexpected question: {label}")

    def text(self, label, required, validate):
        answer = str(self._answer("text", label))
        if validate:
            assert validate(answer) is None, validate(answer)
        return answer

    def select(self, label, choices):
        answer = self._answer("select", label, choices)
        assert answer in [value for value, _ in choices]
        return answer

    def checkbox(self, label, choices, required):
        return self._answer("checkbox", label, choices)

    def autocomplete(self, label, choices, required):
        return self._answer("autocomplete", label, choices)


def test_fill_asks_only_for_what_is_missing_with_choices_from_schema_and_catalog(mini_catalog):
    context = prompts.Context.from_catalog(load_catalog(mini_catalog))
    asker = FakeAsker({"Title,": "A title", "Chinese title": "", "Kind": "video", "Language": "zh",
                       "Access": "free", "Level": "beginner", "Topics": ["quantization"],
                       "Summary (English)": "English.", "Summary (Chinese)": "中文。",
                       "Roadmap node": "demo/compression"})
    values = prompts.fill(fields.RESOURCE, {"url": "https://example.org/x", "kind": None}, context, asker)
    assert values["url"] == "https://example.org/x"
    assert values["kind"] == "video" and values["topic"] == ["quantization"] and values["node"] == ["demo/compression"]
    assert values["title_zh"] is None  # skipped optional answer
    asked = {label.split(" / ")[0]: (how, choices) for how, label, choices in asker.asked}
    assert "URL" not in asked  # given as a flag
    assert asked["Kind"] == ("select", ["article", "video", "course", "book", "paper", "repo", "docs", "tool",
                                        "notebook", "model", "dataset", "community"])
    assert asked["Topics"] == ("checkbox", ["transformer", "quantization"])
    assert asked["Roadmap node to list it under"] == ("autocomplete",
                                                                 ["demo/architecture", "demo/compression"])
    assert all(" / " in label for _, label, _ in asker.asked)  # every question is bilingual
    assert not {"Authors", "Year", "Id (a short slug)"} & set(asked)  # flags only


def test_node_prompts_use_the_chosen_roadmap(mini_catalog):
    context = prompts.Context.from_catalog(load_catalog(mini_catalog))
    asker = FakeAsker({"Roadmap": "demo", "Section": "basics", "Title (English)": "T", "Title (Chinese)": "题",
                       "Summary (English)": "S", "Summary (Chinese)": "简", "Level": "advanced",
                       "Hours": "2.5", "Topics": [], "Nodes to study first": ["architecture"]})
    values = prompts.fill(fields.NODE, {}, context, asker)
    assert values["hours"] == 2.5 and values["requires"] == ["architecture"] and values["section"] == "basics"
    sections = next(choices for how, label, choices in asker.asked if label.startswith("Section"))
    assert sections == ["basics"]


def test_missing_required():
    missing = prompts.missing_required(fields.TOPIC, {"name_en": "x", "alias_en": []})
    assert [f.flag for f in missing] == ["--name-zh", "--summary-en", "--summary-zh"]


@pytest.fixture
def pipe():
    with create_pipe_input() as pipe_input:
        yield pipe_input


def test_questionary_text_and_select_through_a_pipe(pipe):
    asker = prompts.QuestionaryAsker(input=pipe, output=DummyOutput())
    pipe.send_text("\rhttps://example.org/page\r")  # the empty answer is refused, then a real one
    assert asker.text("URL / 链接", True, None) == "https://example.org/page"
    pipe.send_text("\x1b[B\x1b[B\r")  # down, down, enter
    assert asker.select("Level / 难度", list(fields.LEVEL_CHOICES)) == "advanced"


def test_questionary_validation_rejects_then_accepts(pipe):
    asker = prompts.QuestionaryAsker(input=pipe, output=DummyOutput())
    pipe.send_text("ftp://x\r" + "\x7f" * 7 + "https://x.org\r")
    check = lambda answer: None if answer.startswith("https://") else "only https"  # noqa: E731
    assert asker.text("URL / 链接", True, check) == "https://x.org"


def test_questionary_checkbox_and_autocomplete(pipe):
    asker = prompts.QuestionaryAsker(input=pipe, output=DummyOutput())
    pipe.send_text("\r \x1b[B \r")  # enter refused (none picked), then pick the first two
    assert asker.checkbox("Topics / 主题", [("a", "a — A"), ("b", "b — B"), ("c", "c — C")], True) == ["a", "b"]
    pipe.send_text("demo/zzz\r" + "\x7f" * 3 + "compression\r")
    assert asker.autocomplete("Node / 节点", [("demo/compression", "Compression")], False) == "demo/compression"
    pipe.send_text("\r")
    assert asker.autocomplete("Node / 节点", [("demo/compression", "Compression")], False) == ""
