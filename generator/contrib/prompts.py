"""Ask, on a terminal, for whatever `roadmap new` was not given as flags (questionary).

`fill` walks the fields of `fields.KINDS[kind]` and asks through an `Asker`, so tests can answer without a
terminal. Choices come from the schema's enums and from the catalog (topics, roadmaps, sections, nodes).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from .fields import Field

Validator = Callable[[str], str | None]  # returns an error message, or None when the answer is fine
Choices = list[tuple[str, str]]  # (value, label shown to the user)


class Asker(Protocol):
    def text(self, label: str, required: bool, validate: Validator | None) -> str: ...

    def select(self, label: str, choices: Choices) -> str: ...

    def checkbox(self, label: str, choices: Choices, required: bool) -> list[str]: ...

    def autocomplete(self, label: str, choices: Choices, required: bool) -> str: ...


@dataclass
class Context:
    """Catalog-drawn choices: topics, roadmaps, each roadmap's sections and nodes."""

    topics: Choices = field(default_factory=list)
    roadmaps: Choices = field(default_factory=list)
    sections: dict[str, Choices] = field(default_factory=dict)
    nodes: dict[str, Choices] = field(default_factory=dict)

    @classmethod
    def from_catalog(cls, catalog) -> Context:
        context = cls(topics=[(t.id, f"{t.id} — {t.name.en} / {t.name.zh}") for t in catalog.topics])
        for roadmap in catalog.roadmaps:
            context.roadmaps.append((roadmap.id, f"{roadmap.id} — {roadmap.title.en} / {roadmap.title.zh}"))
            context.sections[roadmap.id] = [(s.id, f"{s.id} — {s.title.en} / {s.title.zh}") for s in roadmap.sections]
            context.nodes[roadmap.id] = [(n.id, f"{n.title.en} / {n.title.zh}") for _, n in roadmap.iter_nodes()]
        return context

    def all_nodes(self) -> Choices:
        return [(f"{rid}/{nid}", label) for rid, nodes in self.nodes.items() for nid, label in nodes]


def interactive() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


def is_missing(value: object) -> bool:
    return value is None or value == "" or value == []


def missing_required(fields: tuple[Field, ...], values: dict[str, object]) -> list[Field]:
    return [f for f in fields if f.required and is_missing(values.get(f.name))]


def _number(answer: str) -> str | None:
    try:
        return None if float(answer) > 0 else "must be more than 0 / 须大于 0"
    except ValueError:
        return "write a number, e.g. 4 or 1.5 / 请输入数字，例如 4 或 1.5"


def ask_one(f: Field, values: dict[str, object], context: Context, asker: Asker,
            validate: Validator | None) -> object:
    label = f.label
    if f.kind == "select":
        return asker.select(label, list(f.choices))
    if f.kind == "topics":
        return asker.checkbox(label, context.topics, f.required)
    if f.kind == "topic":
        return asker.autocomplete(label, context.topics, f.required) or None
    if f.kind == "roadmap":
        return asker.select(label, context.roadmaps)
    if f.kind == "section":
        return asker.select(label, context.sections.get(str(values.get("roadmap")), []))
    if f.kind == "node":  # nodes of the roadmap chosen above (prerequisites)
        choices = context.nodes.get(str(values.get("roadmap")), [])
        return asker.checkbox(label, choices, f.required) if choices else []
    if f.kind == "nodes":
        answer = asker.autocomplete(label, context.all_nodes(), f.required)
        return [answer] if answer else []
    check = _number if f.kind == "number" else validate
    answer = asker.text(label, f.required, check).strip()
    if f.many:
        return [part.strip() for part in answer.replace("，", ",").split(",") if part.strip()]
    if f.kind == "number":
        return float(answer) if answer else None
    return answer or None


def fill(fields: tuple[Field, ...], values: dict[str, object], context: Context, asker: Asker,
         validators: dict[str, Validator] | None = None) -> dict[str, object]:
    """`values` with every missing required field, and the optional ones worth asking, answered."""
    values = dict(values)
    for f in fields:
        if not is_missing(values.get(f.name)) or not (f.required or f.ask):
            continue
        values[f.name] = ask_one(f, values, context, asker, (validators or {}).get(f.name))
    return values


class QuestionaryAsker:
    """The real prompts. Ctrl-C raises KeyboardInterrupt, which the CLI turns into exit code 130."""

    def __init__(self, **io: object) -> None:
        import questionary

        self.q = questionary
        self.io = io  # input= / output= for prompt_toolkit; tests pass a pipe

    @staticmethod
    def _validator(required: bool, validate: Validator | None):
        def check(answer: str) -> bool | str:
            if not answer.strip():
                return "required / 必填" if required else True
            problem = validate(answer.strip()) if validate else None
            return problem or True

        return check

    def text(self, label: str, required: bool, validate: Validator | None) -> str:
        instruction = None if required else "(Enter to skip / 回车跳过)"
        return self.q.text(label, validate=self._validator(required, validate), instruction=instruction,
                           **self.io).unsafe_ask()

    def select(self, label: str, choices: Choices) -> str:
        return self.q.select(label, choices=[self.q.Choice(title, value) for value, title in choices],
                             **self.io).unsafe_ask()

    def checkbox(self, label: str, choices: Choices, required: bool) -> list[str]:
        def check(picked: list[str]) -> bool | str:
            return True if picked or not required else "pick at least one (space to select) / 至少选一项（空格键选择）"

        return self.q.checkbox(label, choices=[self.q.Choice(title, value) for value, title in choices],
                               validate=check, use_search_filter=True, use_jk_keys=False,
                               instruction="(type to filter, space to pick, Enter to finish / "
                                           "输入筛选，空格选择，回车完成)",
                               **self.io).unsafe_ask()

    def autocomplete(self, label: str, choices: Choices, required: bool) -> str:
        values = [value for value, _ in choices]

        def check(answer: str) -> bool | str:
            if not answer.strip():
                return "required / 必填" if required else True
            if answer.strip() in values:
                return True
            return "pick one from the list (Tab completes) / 请从列表中选择（Tab 补全）"

        hint = "(Tab completes / Tab 补全" + (")" if required else "; Enter to skip / 回车跳过)")
        if not values:
            return ""
        return self.q.autocomplete(f"{label} {hint}", choices=values, meta_information=dict(choices),
                                   validate=check, **self.io).unsafe_ask().strip()
