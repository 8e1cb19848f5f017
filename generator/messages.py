"""Turn pydantic validation errors into plain-language messages with a readable field path."""

from __future__ import annotations

import difflib

from pydantic import BaseModel, ValidationError

from . import models


def _all_field_names() -> set[str]:
    names: set[str] = set()
    for value in vars(models).values():
        if isinstance(value, type) and issubclass(value, BaseModel):
            names.update(value.model_fields)
    return names


_FIELD_NAMES = _all_field_names()


def field_path(loc: tuple[str | int, ...], data: object) -> str:
    """`resources[illustrated-transformer].topics[0]`: list items are named by their id when they have one."""
    out = ""
    node = data
    for part in loc:
        if isinstance(part, int):
            item = node[part] if isinstance(node, list) and part < len(node) else None
            ident = item.get("id") if isinstance(item, dict) else None
            out += f"[{ident}]" if isinstance(ident, str) and ident else f"[{part}]"
            node = item
        else:
            out += f".{part}" if out else str(part)
            node = node.get(part) if isinstance(node, dict) else None
    return out


def _expected_choices(ctx: dict | None) -> str:
    expected = str((ctx or {}).get("expected", ""))
    return expected.replace("'", "").replace(" or ", ", ")


def describe(error: dict) -> str:
    kind = error["type"]
    loc = error["loc"]
    last = loc[-1] if loc else ""
    value = error.get("input")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return f"missing required field '{last}'"
    if kind == "extra_forbidden":
        hint = difflib.get_close_matches(str(last), _FIELD_NAMES, n=1)
        return f"unknown field '{last}'" + (f" (did you mean '{hint[0]}'?)" if hint else "")
    if kind == "enum":
        return f"'{value}' is not allowed here; use one of: {_expected_choices(ctx)}"
    if kind == "string_pattern_mismatch":
        if ctx.get("pattern") == models.SLUG_PATTERN:
            return f"'{value}' is not a valid id; use lowercase letters, digits and single hyphens, e.g. 'my-resource'"
        return f"'{value}' does not have the expected form"
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    if kind in ("too_short",) and isinstance(value, (list, tuple)):
        return f"must list at least {ctx.get('min_length', 1)} item(s)"
    if kind in ("string_type", "int_type", "float_type", "bool_type", "dict_type", "list_type", "tuple_type"):
        wanted = {"string": "text", "int": "a whole number", "float": "a number", "bool": "true or false",
                  "dict": "a mapping (key: value lines)", "list": "a list", "tuple": "a list"}[kind.split("_")[0]]
        return f"must be {wanted}, not {type(value).__name__} {value!r}"[:300]
    if kind.startswith("int_") or kind.startswith("float_"):
        return f"must be a number, not {value!r}"
    if kind.startswith("date_"):
        return f"must be a date like 2026-11-23, not {value!r}"
    if kind == "model_type" or kind == "model_attributes_type":
        return f"must be a mapping (key: value lines), not {type(value).__name__}"
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        return f"{value!r} is out of range: {error['msg'].lower()}"
    return str(error["msg"])


def translate(exc: ValidationError) -> list[tuple[tuple[str | int, ...], str]]:
    """(loc, message) for each error; one message per location."""
    found: dict[tuple[str | int, ...], str] = {}
    for error in exc.errors(include_url=False):
        loc = tuple(part for part in error["loc"] if not (isinstance(part, str) and part.startswith("function-")))
        found.setdefault(loc, describe(error))
    return list(found.items())
