"""Round-trip YAML editing with ruamel.yaml: open a catalog file, add to it, write it back otherwise unchanged.

Comments, key order, quoting, flow lists and the blank lines between entries survive: only new lines are added.
A `Plan` collects the edited files and a `Change` per edit; the command writes the plan and can roll it back.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from pydantic import BaseModel
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.util import load_yaml_guess_indent

from ..fsutil import write_text_atomic

SCHEMA_FILES = {"resources": "resources.schema.json", "notebooks": "notebooks.schema.json"}
_SHORT_TEXT = 70  # a {en, zh} pair shorter than this is written on one line, like the catalog's titles
_BLOCK_TEXTS = ("summary", "detail")  # always one line per language


@dataclass
class YamlFile:
    path: Path
    original: str | None  # None: the file is new
    data: CommentedMap
    yaml: YAML
    blank_between_items: bool

    @classmethod
    def open(cls, path: Path) -> YamlFile:
        text = path.read_text(encoding="utf-8")
        _, indent, dash_offset = load_yaml_guess_indent(text)
        yaml = _yaml(indent or 4, dash_offset if dash_offset is not None else 2)
        data = yaml.load(text)
        return cls(path, text, data, yaml, _blank_lines_between_items(text))

    @classmethod
    def create(cls, path: Path, key: str, comment: str) -> YamlFile:
        data = CommentedMap()
        data[key] = CommentedSeq()
        schema = SCHEMA_FILES[key]
        data.yaml_set_start_comment(f"yaml-language-server: $schema=../schema/{schema}\n{comment}")
        return cls(path, None, data, _yaml(4, 2), True)

    def render(self) -> str:
        out = io.StringIO()
        self.yaml.dump(self.data, out)
        return out.getvalue()


def _blank_lines_between_items(text: str) -> bool:
    """Whether the file separates its entries with blank lines; yes when it has too few entries to tell."""
    lines = text.splitlines()
    starts = [i for i, line in enumerate(lines) if line.lstrip().startswith("- id:")]
    for i in starts[1:]:
        above = i - 1
        while above >= 0 and lines[above].lstrip().startswith("#"):
            above -= 1
        if above >= 0 and not lines[above].strip():
            return True
    return len(starts) < 2


def _yaml(indent: int, dash_offset: int) -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap long lines
    yaml.indent(mapping=2, sequence=indent, offset=dash_offset)
    return yaml


@dataclass
class Change:
    """One change to one file; `kind`, `item_id` and `sub` locate its line once the catalog is reloaded."""

    path: Path
    message: str
    kind: str
    item_id: str
    sub: tuple[str | int, ...] = ()


@dataclass
class Plan:
    root: Path
    files: dict[Path, YamlFile] = field(default_factory=dict)
    changes: list[Change] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    stamp: list[str] = field(default_factory=list)  # translation selectors to record as reviewed

    def file(self, path: Path) -> YamlFile:
        if path not in self.files:
            self.files[path] = YamlFile.open(path)
        return self.files[path]

    def write(self) -> None:
        for yaml_file in self.files.values():
            write_text_atomic(yaml_file.path, yaml_file.render())

    def rollback(self) -> None:
        for yaml_file in self.files.values():
            if yaml_file.original is None:
                yaml_file.path.unlink(missing_ok=True)
            else:
                write_text_atomic(yaml_file.path, yaml_file.original)


# ------------------------------------------------------------------ turning models into YAML nodes

def _plain(value: object) -> object:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def to_yaml(value: object, key: str = "") -> object:
    """Plain data -> ruamel nodes in the catalog's style: scalar lists and short {en, zh} names on one line,
    summaries as two lines."""
    if isinstance(value, dict):
        node = CommentedMap((name, to_yaml(item, name)) for name, item in value.items())
        if set(value) == {"en", "zh"} and all(isinstance(v, str) for v in value.values()):
            if key not in _BLOCK_TEXTS and len(value["en"]) + len(value["zh"]) <= _SHORT_TEXT:
                node.fa.set_flow_style()
        return node
    if isinstance(value, list):
        seq = CommentedSeq(to_yaml(item) for item in value)
        if all(not isinstance(item, dict | list) for item in value):
            seq.fa.set_flow_style()
        return seq
    return value


def entry_map(model: BaseModel) -> CommentedMap:
    """An entry as a mapping, fields in the model's order, defaults left out."""
    return to_yaml(_plain(model.model_dump(mode="python", exclude_defaults=True)))  # type: ignore[return-value]


def append_item(yaml_file: YamlFile, seq: CommentedSeq, item: CommentedMap) -> int:
    seq.append(item)
    if yaml_file.blank_between_items and len(seq) > 1:
        seq.yaml_set_comment_before_after_key(len(seq) - 1, before="\n")
    return len(seq) - 1


def insert_in_order(mapping: CommentedMap, key: str, value: object, order: list[str]) -> None:
    """Add `key` where the model's field order puts it."""
    later = order[order.index(key) + 1:]
    for position, existing in enumerate(mapping):
        if existing in later:
            mapping.insert(position, key, value)
            return
    mapping[key] = value
