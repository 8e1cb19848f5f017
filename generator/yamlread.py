"""Safe, strict YAML reading that remembers where every value came from.

`read_yaml` returns plain Python data plus a map from each value's path (a tuple of keys
and list indexes) to its (line, column), 1-based. It refuses what the catalog never needs
and what can hurt: files over 2 MB, non-UTF-8 bytes, tabs, control characters, duplicate
keys, custom tags and anchors/aliases (which also stops "billion laughs" alias bombs).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

MAX_FILE_BYTES = 2 * 1024 * 1024
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

Position = tuple[int, int]
PathKey = tuple[str | int, ...]


class YamlProblem(Exception):
    def __init__(self, line: int, column: int, msg: str, loc: PathKey = ()):
        super().__init__(msg)
        self.line, self.column, self.msg, self.loc = line, column, msg, loc


@dataclass
class YamlDocument:
    data: object
    positions: dict[PathKey, Position] = field(default_factory=dict)

    def position(self, loc: PathKey) -> Position:
        """The position of `loc`, or of its nearest recorded ancestor."""
        for end in range(len(loc), -1, -1):
            found = self.positions.get(tuple(loc[:end]))
            if found:
                return found
        return (1, 1)


def _line_col(text: str, index: int) -> Position:
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def _decode(raw: bytes) -> str:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise YamlProblem(line, column, "file is not valid UTF-8; save it as UTF-8") from None
    return text.removeprefix("\ufeff")


def _check_characters(text: str) -> None:
    tab = text.find("\t")
    if tab >= 0:
        raise YamlProblem(*_line_col(text, tab), "tab character; indent and separate with spaces only")
    bad = _CONTROL.search(text)
    if bad:
        char = bad.group(0)
        raise YamlProblem(*_line_col(text, bad.start()), f"control character U+{ord(char):04X} is not allowed")


_PLAIN_SPECIAL = {"": None, "~": None, "null": None, "Null": None, "NULL": None,
                  "true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT = re.compile(r"[-+]?[0-9]+\Z")


def _plain_value(text: str) -> object:
    # Only the YAML core types the catalog uses; dates and floats stay text and pydantic parses them.
    if text in _PLAIN_SPECIAL:
        return _PLAIN_SPECIAL[text]
    if _INT.match(text):
        return int(text)
    return text


class _Builder:
    """Builds plain data from libyaml's event stream, recording each value's position."""

    def __init__(self, events) -> None:
        self.events = events
        self.positions: dict[PathKey, Position] = {}

    def build(self, event, path: PathKey) -> object:
        mark = event.start_mark
        where = (mark.line + 1, mark.column + 1)
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise YamlProblem(*where, "YAML anchors and aliases (&name / *name) are not allowed in the catalog", path)
        tag = getattr(event, "tag", None)
        self.positions.setdefault(path, where)
        if isinstance(event, yaml.ScalarEvent):
            if tag not in (None, "!"):
                raise YamlProblem(*where, f"unsupported YAML tag {tag!r}", path)
            return _plain_value(event.value) if event.style is None and tag is None else event.value
        if tag is not None:
            raise YamlProblem(*where, f"unsupported YAML tag {tag!r}", path)
        if isinstance(event, yaml.SequenceStartEvent):
            items = []
            for event in self.events:
                if isinstance(event, yaml.SequenceEndEvent):
                    return items
                items.append(self.build(event, (*path, len(items))))
        if isinstance(event, yaml.MappingStartEvent):
            result: dict[str, object] = {}
            for event in self.events:
                if isinstance(event, yaml.MappingEndEvent):
                    return result
                key_where = (event.start_mark.line + 1, event.start_mark.column + 1)
                if not isinstance(event, yaml.ScalarEvent) or event.anchor or event.tag not in (None, "!"):
                    raise YamlProblem(*key_where, "mapping keys must be plain words", path)
                key = event.value
                if key == "<<":
                    raise YamlProblem(*key_where, "YAML merge keys (<<) are not allowed in the catalog", path)
                if key in result:
                    first = self.positions.get((*path, key), key_where)
                    raise YamlProblem(*key_where, f"duplicate key '{key}' (first used on line {first[0]})", path)
                self.positions[(*path, key)] = key_where
                result[key] = self.build(next(self.events), (*path, key))
        raise YamlProblem(*where, "unexpected YAML structure", path)  # pragma: no cover


def parse_yaml(text: str) -> YamlDocument:
    _check_characters(text)
    events = yaml.parse(text, Loader=_Loader)
    documents: list[YamlDocument] = []
    try:
        for event in events:
            if isinstance(event, yaml.DocumentStartEvent):
                if documents:
                    mark = event.start_mark
                    raise YamlProblem(mark.line + 1, mark.column + 1,
                                      "only one YAML document per file (remove the extra '---')")
                builder = _Builder(events)
                data = builder.build(next(events), ())
                documents.append(YamlDocument(data, builder.positions))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = exc.problem or exc.context or "invalid YAML"
        raise YamlProblem(line, column, f"YAML syntax error: {problem}") from None
    except yaml.YAMLError as exc:  # pragma: no cover - libyaml reports marks for syntax errors
        raise YamlProblem(1, 1, f"YAML error: {exc}") from None
    return documents[0] if documents else YamlDocument(None, {(): (1, 1)})


def read_yaml(path: Path) -> YamlDocument:
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise YamlProblem(1, 1, f"file is {size / 1024 / 1024:.1f} MB; catalog files must be under 2 MB (split it)")
    return parse_yaml(_decode(path.read_bytes()))
