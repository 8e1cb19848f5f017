"""Rules that need the whole catalog: unique ids and URLs, existing references, no prerequisite cycles."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .urls import normalize_url

if TYPE_CHECKING:
    from .loader import Entry, LoadResult


def _where(entry: Entry, *sub: str | int) -> str:
    return f"{entry.path}:{entry.position(*sub)[0]}"


def _unique_ids(result: LoadResult) -> dict[str, dict[str, Entry]]:
    seen: dict[str, dict[str, Entry]] = {}
    for kind, entries in result.entries.items():
        seen[kind] = {}
        singular = kind.rstrip("s")
        for entry in entries:
            item_id = entry.item.id  # type: ignore[attr-defined]
            if item_id in seen[kind]:
                first = seen[kind][item_id]
                result.errors.append(entry.error(f"duplicate {singular} id '{item_id}' (first defined at "
                                                 f"{_where(first, 'id')})", "id"))
            else:
                seen[kind][item_id] = entry
    return seen


def _unique_urls(result: LoadResult) -> None:
    owners: dict[str, tuple[Entry, tuple[str | int, ...]]] = {}

    def claim(entry: Entry, url: str, *sub: str | int) -> None:
        key = normalize_url(url)
        if key in owners:
            first, first_sub = owners[key]
            result.errors.append(entry.error(
                f"URL {url} is already in the catalog as resource '{first.item.id}' "  # type: ignore[attr-defined]
                f"({_where(first, *first_sub)}); the two are the same page once normalised", *sub))
        else:
            owners[key] = (entry, sub)

    for entry in result.entries["resources"]:
        res = entry.item
        claim(entry, res.url, "url")  # type: ignore[attr-defined]
        for index, url in enumerate(res.previous_urls):  # type: ignore[attr-defined]
            claim(entry, url, "previous_urls", index)
        for index, mirror in enumerate(res.mirrors):  # type: ignore[attr-defined]
            claim(entry, mirror.url, "mirrors", index, "url")
    colabs: dict[str, Entry] = {}
    for entry in result.entries["notebooks"]:
        url = entry.item.colab_url  # type: ignore[attr-defined]
        if url:
            key = normalize_url(url)
            if key in colabs:
                result.errors.append(entry.error(f"colab_url is already used by notebook "
                                                 f"'{colabs[key].item.id}'", "colab_url"))  # type: ignore[attr-defined]
            colabs[key] = entry


def _check_refs(entry: Entry, field: str, ids: tuple[str, ...], known: dict[str, Entry], broken: set[str],
                what: str, result: LoadResult, *prefix: str | int) -> None:
    if f"{what}s" in result.unreadable:
        return  # that file already has an error; every reference into it would only add noise
    for index, ref in enumerate(ids):
        if ref not in known and ref not in broken:
            result.errors.append(entry.error(f"unknown {what} '{ref}'", *prefix, field, index))


def _check_cycles(requires: dict[str, tuple[str, ...]], report) -> None:
    """Depth-first search; `report(node_id, cycle_text)` is called once per cycle found."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done

    def visit(node_id: str, path: list[str]) -> None:
        state[node_id] = 1
        for nxt in requires.get(node_id, ()):
            if state.get(nxt) == 1:
                cycle = " → ".join([*path[path.index(nxt):], nxt]) if nxt in path else f"{node_id} → {nxt}"
                report(node_id, cycle)
            elif nxt in requires and state.get(nxt) is None:
                visit(nxt, [*path, nxt])
        state[node_id] = 2

    for node_id in requires:
        if state.get(node_id) is None:
            visit(node_id, [node_id])


def _check_roadmap(entry: Entry, ids: dict[str, dict[str, Entry]], result: LoadResult) -> None:
    roadmap = entry.item
    node_where: dict[str, tuple] = {}
    section_ids: set[str] = set()
    for s_index, section in enumerate(roadmap.sections):  # type: ignore[attr-defined]
        if section.id in section_ids:
            result.errors.append(entry.error(f"duplicate section id '{section.id}'", "sections", s_index, "id"))
        section_ids.add(section.id)
        for n_index, node in enumerate(section.nodes):
            loc = ("sections", s_index, "nodes", n_index)
            if node.id in node_where:
                result.errors.append(entry.error(f"duplicate node id '{node.id}' in this roadmap", *loc, "id"))
                continue
            node_where[node.id] = loc
    requires: dict[str, tuple[str, ...]] = {}
    for _, node in roadmap.iter_nodes():  # type: ignore[attr-defined]
        loc = node_where[node.id]
        _check_refs(entry, "topics", node.topics, ids["topics"], result.broken_ids["topics"], "topic", result, *loc)
        _check_refs(entry, "resources", node.resources, ids["resources"], result.broken_ids["resources"],
                    "resource", result, *loc)
        _check_refs(entry, "notebooks", node.notebooks, ids["notebooks"], result.broken_ids["notebooks"],
                    "notebook", result, *loc)
        for index, ref in enumerate(node.essential):
            if ref not in node.resources:
                result.errors.append(entry.error(f"essential resource '{ref}' must also be listed in this node's "
                                                 "resources", *loc, "essential", index))
        for index, ref in enumerate(node.requires):
            if ref not in node_where:
                result.errors.append(entry.error(f"unknown prerequisite node '{ref}' (requires names nodes of this "
                                                 "roadmap)", *loc, "requires", index))
            elif ref == node.id:
                result.errors.append(entry.error("a node cannot require itself", *loc, "requires", index))
        requires[node.id] = tuple(r for r in node.requires if r in node_where and r != node.id)
    _check_cycles(requires, lambda node_id, cycle: result.errors.append(
        entry.error(f"prerequisites form a cycle: {cycle}", *node_where[node_id], "requires")))


def check(result: LoadResult) -> None:
    ids = _unique_ids(result)
    _unique_urls(result)
    topics, broken_topics = ids["topics"], result.broken_ids["topics"]
    for entry in result.entries["resources"] + result.entries["notebooks"]:
        _check_refs(entry, "topics", entry.item.topics, topics, broken_topics, "topic", result)  # type: ignore
    for entry in result.entries["topics"]:
        parent = entry.item.parent  # type: ignore[attr-defined]
        if parent and parent not in topics and parent not in broken_topics:
            result.errors.append(entry.error(f"unknown parent topic '{parent}'", "parent"))
    parents = {e.item.id: (e.item.parent,) for e in result.entries["topics"] if e.item.parent}  # type: ignore
    by_id = {e.item.id: e for e in result.entries["topics"]}  # type: ignore[attr-defined]
    _check_cycles(parents, lambda topic_id, cycle: result.errors.append(
        by_id[topic_id].error(f"topic parents form a cycle: {cycle}", "parent")))
    for entry in result.entries["roadmaps"]:
        _check_roadmap(entry, ids, result)
