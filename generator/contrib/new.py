"""`roadmap new KIND`: answers -> a validated model -> a `Plan` of YAML edits -> written, re-validated (and rolled
back if the catalog would become invalid), its translations stamped, and a summary of what changed."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ValidationError

from .. import messages
from ..errors import CatalogError, display_path
from ..fsutil import write_text_atomic
from ..loader import LoadResult, check_catalog
from ..models import Node, Notebook, Resource, Topic
from ..urls import is_tracking_param, strip_tracking
from . import scaffold, translations
from .scaffold import Plan, ScaffoldError


class InvalidAnswers(Exception):
    """Values that do not make a valid entry; `problems` holds (flag, message) pairs."""

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        super().__init__("; ".join(f"{flag}: {msg}" for flag, msg in problems))


@dataclass
class Outcome:
    done: list[str] = field(default_factory=list)  # one line per change, with file:line
    notes: list[str] = field(default_factory=list)
    errors: list[CatalogError] = field(default_factory=list)  # set when the result did not validate
    warnings: int = 0
    counts: dict[str, int] = field(default_factory=dict)


def flag_for(loc: tuple[str | int, ...]) -> str:
    head = str(loc[0]) if loc else "id"
    if head in ("summary", "title", "name") and len(loc) > 1 and loc[1] in ("en", "zh"):
        return f"--{head}-{loc[1]}"
    if head == "aliases" and len(loc) > 1:
        return f"--alias-{loc[1]}"
    return {"topics": "--topic", "authors": "--author"}.get(head, "--" + head.replace("_", "-"))


def clean_url(url: str) -> str:
    """The URL without tracking parameters (utm_*, spm_id_from, ...); otherwise exactly as given."""
    from urllib.parse import parse_qsl, urlsplit

    url = url.strip()
    try:
        query = parse_qsl(urlsplit(url).query, keep_blank_values=True)
    except ValueError:
        return url
    return strip_tracking(url) if any(is_tracking_param(name) for name, _ in query) else url


def _validate(model: type[BaseModel], data: dict[str, object]) -> BaseModel:
    data = {key: value for key, value in data.items() if value not in (None, [], ())}
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InvalidAnswers([(flag_for(loc), msg) for loc, msg in messages.translate(exc)]) from None


def _text(values: dict[str, object], name: str) -> dict[str, object]:
    return {"en": values.get(f"{name}_en"), "zh": values.get(f"{name}_zh")}


def _id(values: dict[str, object], *candidates: str, taken: set[str], prefix: str = "") -> str:
    if values.get("id"):
        return str(values["id"])
    slug = next((s for s in candidates if s), "entry")
    return scaffold.unique_id(prefix + slug, taken)


def build(kind: str, values: dict[str, object], result: LoadResult) -> BaseModel:
    today = scaffold.today()
    if kind == "resource":
        title, url = str(values.get("title") or ""), clean_url(str(values.get("url") or ""))
        entry_id = _id(values, scaffold.slugify(title), scaffold.slug_from_url(url),
                       taken=scaffold.taken_ids(result, "resources"))
        return _validate(Resource, {
            "id": entry_id, "url": url, "title": title, "title_zh": values.get("title_zh"),
            "summary": _text(values, "summary"), "kind": values.get("kind"), "language": values.get("language"),
            "access": values.get("access"), "level": values.get("level"), "topics": values.get("topic"),
            "authors": values.get("author"), "year": values.get("year"), "added": today})
    if kind == "notebook":
        entry_id = _id(values, scaffold.slugify(str(values.get("title_en") or "")),
                       taken=scaffold.taken_ids(result, "notebooks"), prefix="nb-")
        return _validate(Notebook, {
            "id": entry_id, "title": _text(values, "title"), "summary": _text(values, "summary"),
            "topics": values.get("topic"), "level": values.get("level"), "authors": values.get("author"),
            "path": values.get("path"), "colab_url": values.get("colab_url"),
            "article_url": values.get("article_url"), "added": today})
    if kind == "topic":
        entry_id = _id(values, scaffold.slugify(str(values.get("name_en") or "")),
                       taken=scaffold.taken_ids(result, "topics"))
        aliases = {"en": values.get("alias_en") or [], "zh": values.get("alias_zh") or []}
        return _validate(Topic, {"id": entry_id, "name": _text(values, "name"), "summary": _text(values, "summary"),
                                 "aliases": aliases if aliases["en"] or aliases["zh"] else None,
                                 "parent": values.get("parent")})
    roadmap = next((e.item for e in result.entries["roadmaps"] if e.item.id == values.get("roadmap")), None)
    taken = {n.id for _, n in roadmap.iter_nodes()} if roadmap else set()  # type: ignore[attr-defined]
    entry_id = _id(values, scaffold.slugify(str(values.get("title_en") or "")), taken=taken)
    return _validate(Node, {"id": entry_id, "title": _text(values, "title"), "summary": _text(values, "summary"),
                            "level": values.get("level"), "hours": values.get("hours"),
                            "topics": values.get("topic"), "requires": values.get("requires")})


def plan_entry(kind: str, values: dict[str, object], root: Path, result: LoadResult) -> Plan:
    """All the edits that adding this entry takes, in memory."""
    model = build(kind, values, result)
    plan = Plan(root)
    nodes = list(values.get("node") or [])  # type: ignore[call-overload]
    if kind == "resource":
        scaffold.add_resource(plan, result, model, values.get("file"), nodes)  # type: ignore[arg-type]
    elif kind == "notebook":
        scaffold.add_notebook(plan, result, model, values.get("file"), nodes)  # type: ignore[arg-type]
    elif kind == "topic":
        scaffold.add_topic(plan, result, model)  # type: ignore[arg-type]
    else:
        scaffold.add_node(plan, result, str(values["roadmap"]), str(values["section"]), model)  # type: ignore
    return plan


def _line(result: LoadResult, change: scaffold.Change) -> int | None:
    for entry in result.entries[change.kind]:
        if entry.item.id == change.item_id:  # type: ignore[attr-defined]
            return entry.position(*change.sub)[0]
    return None


def apply(plan: Plan, root: Path) -> Outcome:
    """Write the plan, validate the catalog, roll back on errors, stamp the new texts' translations."""
    outcome = Outcome(notes=list(plan.notes))
    plan.write()
    catalog, result = check_catalog(root)
    if result.errors:
        plan.rollback()
        outcome.errors = result.errors
        return outcome
    for change in plan.changes:
        line = _line(result, change)
        outcome.done.append(f"{change.message}: {display_path(change.path)}" + (f":{line}" if line else ""))
    refs, _ = translations.select(translations.iter_texts(result), plan.stamp)
    if refs:
        try:
            lock = translations.read_lock(root)
        except translations.LockProblem:
            outcome.notes.append(f"{translations.LOCK_NAME} is damaged, so the new texts were not stamped; "
                                 "run `roadmap validate` to see why")
        else:
            path = translations.lock_path(root)
            write_text_atomic(path, translations.render_lock(translations.stamp(lock, refs)))
            outcome.done.append(f"recorded {len(refs)} English/Chinese text pair(s) as reviewed together: "
                                f"{display_path(path)}")
    outcome.warnings = len(result.warnings)
    assert catalog is not None
    outcome.counts = {kind: len(getattr(catalog, kind)) for kind in ("roadmaps", "topics", "resources", "notebooks")}
    return outcome


__all__ = ["InvalidAnswers", "Outcome", "ScaffoldError", "apply", "build", "plan_entry"]
