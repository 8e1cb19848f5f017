"""Errors raised while reading the catalog.

    CatalogError            one problem at a file, line, column and field path
     └─ CatalogInvalid      raised by the loader; carries every CatalogError found

A `CatalogError` with ``severity="warning"`` (e.g. a stale translation) is reported
but does not make the catalog invalid.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True, order=True)
class CatalogError:
    path: str
    line: int
    column: int
    loc: str = ""
    msg: str = field(default="", compare=False)
    severity: str = field(default="error", compare=False)

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}:{self.column}"
        field_part = f" [{self.loc}]" if self.loc else ""
        return f"{where}: {self.severity}:{field_part} {self.msg}"

    def as_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "loc": self.loc,
            "message": self.msg,
            "severity": self.severity,
        }

    def github_annotation(self) -> str:
        level = "error" if self.severity == "error" else "warning"
        title = self.loc or "catalog"
        msg = self.msg.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        return f"::{level} file={self.path},line={self.line},col={self.column},title={title}::{msg}"


class CatalogInvalid(Exception):
    """The catalog has at least one error; `errors` holds all of them, sorted."""

    def __init__(self, errors: list[CatalogError], warnings: list[CatalogError] | None = None):
        self.errors = sorted(errors)
        self.warnings = sorted(warnings or [])
        super().__init__(f"{len(self.errors)} error(s) in the catalog")


def display_path(path: Path, root: Path | None = None) -> str:
    """A path as the user should see it: relative to `root` (or the cwd) when possible."""
    for base in (root, Path.cwd()):
        if base is None:
            continue
        try:
            return str(path.resolve().relative_to(base.resolve()))
        except ValueError:
            continue
    return str(path)
