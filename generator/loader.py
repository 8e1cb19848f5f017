"""catalog/*.yaml -> a validated, cross-referenced `Catalog`. The only module that reads the catalog's YAML.

Layout of a catalog directory:
    topics.yaml           topics: [...]
    resources/*.yaml      resources: [...]
    roadmaps/*.yaml       one roadmap per file; the file name is the roadmap id
    notebooks/*.yaml      notebooks: [...]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, TypeAdapter, ValidationError

from . import crossref, messages
from .contrib import translations
from .errors import CatalogError, CatalogInvalid, display_path
from .models import Catalog, Notebook, Resource, Roadmap, Topic
from .yamlread import YamlDocument, YamlProblem, read_yaml

# kind -> (glob, top-level key or None for a whole-file model, item model)
LAYOUT: dict[str, tuple[str, str | None, type[BaseModel]]] = {
    "topics": ("topics.yaml", "topics", Topic),
    "resources": ("resources/*.yaml", "resources", Resource),
    "roadmaps": ("roadmaps/*.yaml", None, Roadmap),
    "notebooks": ("notebooks/*.yaml", "notebooks", Notebook),
}
_ADAPTERS = {kind: TypeAdapter(model) for kind, (_, _, model) in LAYOUT.items()}


@dataclass
class Entry:
    """One validated item and where it came from."""

    kind: str
    item: BaseModel
    path: str
    doc: YamlDocument
    loc: tuple[str | int, ...]

    def position(self, *sub: str | int) -> tuple[int, int]:
        return self.doc.position((*self.loc, *sub))

    def error(self, msg: str, *sub: str | int, severity: str = "error") -> CatalogError:
        line, column = self.position(*sub)
        field_path = messages.field_path((*self.loc, *sub), self.doc.data)
        return CatalogError(self.path, line, column, field_path, msg, severity)


@dataclass
class LoadResult:
    entries: dict[str, list[Entry]] = field(default_factory=lambda: {kind: [] for kind in LAYOUT})
    errors: list[CatalogError] = field(default_factory=list)
    warnings: list[CatalogError] = field(default_factory=list)
    # ids whose entries failed validation: references to them are not reported again
    broken_ids: dict[str, set[str]] = field(default_factory=lambda: {kind: set() for kind in LAYOUT})
    # kinds with a file that could not be read at all: references into them are not checked
    unreadable: set[str] = field(default_factory=set)


def catalog_files(root: Path) -> list[tuple[str, Path]]:
    files = []
    for kind, (pattern, _, _) in LAYOUT.items():
        files.extend((kind, path) for path in sorted(root.glob(pattern)))
    return files


def _validate_items(kind: str, path: str, doc: YamlDocument, result: LoadResult) -> None:
    _, key, _ = LAYOUT[kind]
    data = doc.data
    if key is None:
        items: list[tuple[tuple[str | int, ...], object]] = [((), data)]
    else:
        if not isinstance(data, dict) or set(data) != {key} or not isinstance(data[key], list):
            line, column = doc.position(())
            found = ", ".join(map(str, data)) if isinstance(data, dict) else type(data).__name__
            result.errors.append(
                CatalogError(path, line, column, "", f"expected a single top-level list '{key}:', found: {found}")
            )
            return
        items = [((key, index), item) for index, item in enumerate(data[key])]
    for loc, raw in items:
        try:
            item = _ADAPTERS[kind].validate_python(raw)
        except ValidationError as exc:
            if isinstance(raw, dict) and isinstance(raw.get("id"), str):
                result.broken_ids[kind].add(raw["id"])
            for sub, msg in messages.translate(exc):
                full = (*loc, *sub)
                line, column = doc.position(full)
                result.errors.append(CatalogError(path, line, column, messages.field_path(full, data), msg))
            continue
        result.entries[kind].append(Entry(kind, item, path, doc, loc))


def check_catalog(root: Path) -> tuple[Catalog | None, LoadResult]:
    """Load and check everything; never raises for a bad catalog. The catalog is None when there are errors."""
    result = LoadResult()
    root = Path(root)
    if not root.is_dir():
        result.errors.append(CatalogError(str(root), 1, 1, "", "catalog directory not found"))
        return None, result
    if not (root / "topics.yaml").is_file():
        result.errors.append(CatalogError(display_path(root / "topics.yaml"), 1, 1, "", "topics.yaml is missing"))
        result.unreadable.add("topics")
    for kind, path in catalog_files(root):
        shown = display_path(path)
        try:
            doc = read_yaml(path)
        except YamlProblem as problem:
            result.errors.append(CatalogError(shown, problem.line, problem.column, "", problem.msg))
            result.unreadable.add(kind)
            continue
        except OSError as exc:
            result.errors.append(CatalogError(shown, 1, 1, "", f"cannot read file: {exc.strerror or exc}"))
            result.unreadable.add(kind)
            continue
        _validate_items(kind, shown, doc, result)
        if kind == "roadmaps" and result.entries["roadmaps"] and result.entries["roadmaps"][-1].path == shown:
            entry = result.entries["roadmaps"][-1]
            if entry.item.id != path.stem:  # type: ignore[attr-defined]
                result.errors.append(entry.error(f"roadmap id '{entry.item.id}' must match its file name "
                                                 f"'{path.stem}.yaml'", "id"))  # type: ignore[attr-defined]
    crossref.check(result)
    translations.check(root, result)  # stale-translation warnings
    result.errors.sort()
    result.warnings.sort()
    if result.errors:
        return None, result
    catalog = Catalog(
        topics=tuple(e.item for e in result.entries["topics"]),  # type: ignore[misc]
        resources=tuple(e.item for e in result.entries["resources"]),  # type: ignore[misc]
        roadmaps=tuple(sorted((e.item for e in result.entries["roadmaps"]),  # type: ignore[misc]
                              key=lambda r: (r.order, r.id))),  # type: ignore[attr-defined]
        notebooks=tuple(e.item for e in result.entries["notebooks"]),  # type: ignore[misc]
    )
    catalog.set_origins({(kind, e.item.id): (e.path, e.position()[0])  # type: ignore[attr-defined]
                         for kind, entries in result.entries.items() for e in entries})
    return catalog, result


def load_catalog(root: Path) -> Catalog:
    """The validated catalog, or `CatalogInvalid` with every error found."""
    catalog, result = check_catalog(root)
    if catalog is None:
        raise CatalogInvalid(result.errors, result.warnings)
    return catalog
