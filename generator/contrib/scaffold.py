"""Add entries to the catalog: pick the file, refuse duplicates, insert the entry and link it from its node.

Each `add_*` function edits in-memory documents (see `yamledit`) and records what it changed in a `Plan`;
`new.apply` writes the plan, validates the result and rolls it back if the catalog would become invalid.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from ..models import Node, Notebook, Resource, Topic
from ..urls import normalize_url
from .yamledit import Change, Plan, YamlFile, append_item, entry_map, insert_in_order

if TYPE_CHECKING:
    from ..loader import LoadResult

MAX_RESOURCES_PER_NODE = 8
COMMUNITY_FILE = "community.yaml"
__all__ = ["Change", "Plan", "ScaffoldError", "YamlFile", "add_node", "add_notebook", "add_resource", "add_topic"]


class ScaffoldError(Exception):
    """The entry cannot be added as asked; the message says why and what to do."""


# ------------------------------------------------------------------ ids, files and duplicates

def slugify(text: str, limit: int = 60) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(slug) > limit:
        slug = slug[:limit].rsplit("-", 1)[0]
    return slug


def slug_from_url(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    host = (parts.hostname or "").removeprefix("www.").split(".")
    site = host[-2] if len(host) >= 2 else (host[0] if host else "")
    last = [p for p in parts.path.split("/") if p]
    return slugify("-".join([site, *last[-2:]]))


def unique_id(wanted: str, taken: set[str]) -> str:
    if wanted not in taken:
        return wanted
    number = 2
    while f"{wanted}-{number}" in taken:
        number += 1
    return f"{wanted}-{number}"


def taken_ids(result: LoadResult, kind: str) -> set[str]:
    return {entry.item.id for entry in result.entries[kind]}  # type: ignore[attr-defined]


def existing_url(result: LoadResult, url: str, kind: str = "resources") -> tuple[str, str, int] | None:
    """(id, file, line) of the entry that already has `url` (after normalisation), the way validate sees it."""
    key = normalize_url(url)
    for entry in result.entries[kind]:
        item = entry.item
        if kind == "resources":
            urls = [("url",), *[("previous_urls", i) for i in range(len(item.previous_urls))],  # type: ignore
                    *[("mirrors", i, "url") for i in range(len(item.mirrors))]]  # type: ignore[attr-defined]
        else:
            urls = [("colab_url",)] if item.colab_url else []  # type: ignore[attr-defined]
        for sub in urls:
            value = item
            for part in sub:
                value = value[part] if isinstance(part, int) else getattr(value, part)  # type: ignore
            if normalize_url(str(value)) == key:
                return item.id, entry.path, entry.position(*sub)[0]  # type: ignore[attr-defined]
    return None


def check_topics(result: LoadResult, topics: tuple[str, ...]) -> None:
    import difflib

    known = taken_ids(result, "topics")
    for topic in topics:
        if topic not in known:
            close = difflib.get_close_matches(topic, sorted(known), n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else " (see catalog/topics.yaml, or add it first " \
                "with `roadmap new topic`)"
            raise ScaffoldError(f"unknown topic '{topic}'{hint}")


def _resolve_file(root: Path, folder: str, name: str) -> Path:
    name = Path(name).name
    if not name.endswith(".yaml"):
        name += ".yaml"
    return root / folder / name


def choose_file(root: Path, result: LoadResult, kind: str, topics: tuple[str, ...], explicit: str | None,
                nodes: list[str] = ()) -> Path:
    """`--file`; else the file holding most of the target nodes' entries (so a happy-llm node's new resource lands
    beside the other happy-llm resources); else most entries sharing the first topic; else community.yaml."""
    if explicit:
        return _resolve_file(root, kind, explicit)
    refs = all_node_refs(result)
    neighbours = {item_id for ref in nodes if ref in refs for item_id in getattr(refs[ref], kind)}
    counts: dict[str, int] = {}
    for wanted in (lambda item: item.id in neighbours, lambda item: bool(topics) and topics[0] in item.topics):
        for entry in result.entries[kind]:
            if wanted(entry.item):
                counts[entry.path] = counts.get(entry.path, 0) + 1
        if counts:
            break
    if not counts:
        return root / kind / COMMUNITY_FILE
    best = min(counts, key=lambda path: (-counts[path], path))
    return root / kind / Path(best).name


def _open_or_create(plan: Plan, path: Path, key: str) -> YamlFile:
    if path in plan.files:
        return plan.files[path]
    if path.exists():
        yaml_file = plan.file(path)
        if not isinstance(yaml_file.data, CommentedMap) or not isinstance(yaml_file.data.get(key), list):
            raise ScaffoldError(f"{path} does not hold a top-level '{key}:' list; pick another file with --file")
        return yaml_file
    yaml_file = YamlFile.create(path, key, f"{key.capitalize()} added by contributors.")
    plan.files[path] = yaml_file
    return yaml_file


# ------------------------------------------------------------------ nodes

def parse_node_ref(ref: str) -> tuple[str, str]:
    roadmap, sep, node = ref.strip().partition("/")
    if not sep or not roadmap or not node:
        raise ScaffoldError(f"'{ref}' is not a node reference; write it as ROADMAP/NODE, e.g. llm-course/quantization")
    return roadmap, node


def all_node_refs(result: LoadResult) -> dict[str, Node]:
    refs = {}
    for entry in result.entries["roadmaps"]:
        for _, node in entry.item.iter_nodes():  # type: ignore[attr-defined]
            refs[f"{entry.item.id}/{node.id}"] = node  # type: ignore[attr-defined]
    return refs


def _find_node(data: CommentedMap, node_id: str) -> tuple[int, int, CommentedMap] | None:
    for s_index, section in enumerate(data.get("sections") or []):
        for n_index, node in enumerate(section.get("nodes") or []):
            if node.get("id") == node_id:
                return s_index, n_index, node
    return None


def link_from_node(plan: Plan, result: LoadResult, ref: str, field_name: str, item_id: str) -> None:
    """Append `item_id` to the node's `resources` or `notebooks` list."""
    import difflib

    roadmap_id, node_id = parse_node_ref(ref)
    known = all_node_refs(result)
    if f"{roadmap_id}/{node_id}" not in known:
        close = difflib.get_close_matches(f"{roadmap_id}/{node_id}", list(known), n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(close)}?" if close else "; `roadmap new resource` on a terminal lists them"
        raise ScaffoldError(f"no node '{ref}' in the catalog{hint}")
    path = plan.root / "roadmaps" / f"{roadmap_id}.yaml"
    yaml_file = plan.file(path)
    found = _find_node(yaml_file.data, node_id)
    if found is None:  # pragma: no cover - the loader found it in this file
        raise ScaffoldError(f"node '{node_id}' not found in {path}")
    s_index, n_index, node = found
    listed = node.get(field_name)
    if listed is None:
        listed = CommentedSeq()
        listed.fa.set_flow_style()
        insert_in_order(node, field_name, listed, list(Node.model_fields))
    if item_id in listed:
        return
    listed.append(item_id)
    position = len(listed) - 1
    if field_name == "resources" and len(listed) > MAX_RESOURCES_PER_NODE:
        plan.notes.append(f"node {ref} now lists {len(listed)} resources; we keep at most {MAX_RESOURCES_PER_NODE} "
                          "per node, so say in your pull request which one yours should replace")
    plan.changes.append(Change(path, f"listed '{item_id}' under node {ref}", "roadmaps", roadmap_id,
                               ("sections", s_index, "nodes", n_index, field_name, position)))


# ------------------------------------------------------------------ one function per kind

def _add_listed_entry(plan: Plan, result: LoadResult, kind: str, item: Resource | Notebook, url: str | None,
                      file_name: str | None, nodes: list[str]) -> None:
    """A resource or notebook: refuse a known URL or id, write it to its file, list it under the nodes."""
    singular = kind.rstrip("s")
    duplicate = existing_url(result, url, kind) if url else None
    if duplicate:
        item_id, path, line = duplicate
        raise ScaffoldError(f"{url} is already in the catalog as {singular} '{item_id}' ({path}:{line}); the two are "
                            "the same page once normalised. Edit that entry instead of adding a new one.")
    if item.id in taken_ids(result, kind):
        raise ScaffoldError(f"a {singular} with id '{item.id}' already exists; choose another with --id")
    check_topics(result, item.topics)
    for ref in nodes:
        parse_node_ref(ref)
    path = choose_file(plan.root, result, kind, item.topics, file_name, nodes)
    yaml_file = _open_or_create(plan, path, kind)
    append_item(yaml_file, yaml_file.data[kind], entry_map(item))
    plan.changes.append(Change(path, f"added {singular} '{item.id}'", kind, item.id))
    plan.stamp.append(f"{kind}/{item.id}")
    for ref in nodes:
        link_from_node(plan, result, ref, kind, item.id)


def add_resource(plan: Plan, result: LoadResult, resource: Resource, file_name: str | None,
                 nodes: list[str]) -> None:
    _add_listed_entry(plan, result, "resources", resource, resource.url, file_name, nodes)


def add_notebook(plan: Plan, result: LoadResult, notebook: Notebook, file_name: str | None,
                 nodes: list[str]) -> None:
    _add_listed_entry(plan, result, "notebooks", notebook, notebook.colab_url, file_name, nodes)


def add_topic(plan: Plan, result: LoadResult, topic: Topic) -> None:
    if topic.id in taken_ids(result, "topics"):
        raise ScaffoldError(f"a topic with id '{topic.id}' already exists; choose another with --id")
    if topic.parent and topic.parent not in taken_ids(result, "topics"):
        raise ScaffoldError(f"unknown parent topic '{topic.parent}'")
    path = plan.root / "topics.yaml"
    yaml_file = plan.file(path)
    append_item(yaml_file, yaml_file.data["topics"], entry_map(topic))
    plan.changes.append(Change(path, f"added topic '{topic.id}'", "topics", topic.id))
    plan.stamp.append(f"topics/{topic.id}")


def add_node(plan: Plan, result: LoadResult, roadmap_id: str, section_id: str, node: Node) -> None:
    entry = next((e for e in result.entries["roadmaps"] if e.item.id == roadmap_id), None)  # type: ignore
    if entry is None:
        known = ", ".join(sorted(e.item.id for e in result.entries["roadmaps"]))  # type: ignore[attr-defined]
        raise ScaffoldError(f"no roadmap '{roadmap_id}'; the roadmaps are: {known}")
    roadmap = entry.item
    sections = [s.id for s in roadmap.sections]  # type: ignore[attr-defined]
    if section_id not in sections:
        raise ScaffoldError(f"roadmap '{roadmap_id}' has no section '{section_id}'; its sections are: "
                            f"{', '.join(sections)}")
    node_ids = {n.id for _, n in roadmap.iter_nodes()}  # type: ignore[attr-defined]
    if node.id in node_ids:
        raise ScaffoldError(f"roadmap '{roadmap_id}' already has a node '{node.id}'; choose another with --id")
    missing = [ref for ref in node.requires if ref not in node_ids]
    if missing:
        raise ScaffoldError(f"--requires names no node of roadmap '{roadmap_id}': {', '.join(missing)}")
    check_topics(result, node.topics)
    path = plan.root / "roadmaps" / f"{roadmap_id}.yaml"
    yaml_file = plan.file(path)
    s_index = sections.index(section_id)
    nodes = yaml_file.data["sections"][s_index]["nodes"]
    n_index = append_item(yaml_file, nodes, entry_map(node))
    plan.changes.append(Change(path, f"added node '{roadmap_id}/{node.id}' to section '{section_id}'", "roadmaps",
                               roadmap_id, ("sections", s_index, "nodes", n_index)))
    plan.stamp.append(f"{roadmap_id}/{node.id}")


def today() -> dt.date:
    return dt.date.today()
