"""What a branch changed in the catalog: entries added, changed or removed since a git revision, and the URLs
that are new, so a pull request's link check looks only at those.

Both versions go through `loader.check_catalog`: the old one is read with `git show REV:path` into a temporary
directory. Entries are compared by id, so moving an entry to another file or reformatting it is no change.
By default the base is where the branch left REV (`git merge-base REV HEAD`), like `git diff REV...`.
"""

from __future__ import annotations

import subprocess
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from ..errors import display_path
from ..loader import Entry, LoadResult, check_catalog

KIND_NAMES = {"topics": "topic", "resources": "resource", "notebooks": "notebook", "roadmaps": "roadmap",
              "nodes": "node"}
_ORDER = list(KIND_NAMES)


class ChangedError(Exception):
    """git could not answer (not a repository, unknown revision, ...); the message says what to do."""


@dataclass(frozen=True)
class EntryChange:
    kind: str  # singular: topic, resource, notebook, roadmap, node
    id: str  # node ids are ROADMAP/NODE
    change: str  # added | changed | removed | invalid (fails validation in the working tree)
    fields: tuple[str, ...] = ()
    path: str | None = None
    line: int | None = None

    def as_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["fields"] = list(self.fields)
        return data


@dataclass(frozen=True)
class ChangeReport:
    since: str
    base: str
    entries: tuple[EntryChange, ...]
    urls: tuple[str, ...]
    errors: int = 0  # errors in the working tree's catalog: entries that fail validation are not compared

    def as_dict(self) -> dict[str, object]:
        return {"since": self.since, "base": self.base, "entries": [e.as_dict() for e in self.entries],
                "urls": list(self.urls), "errors": self.errors}


@dataclass
class _Item:
    data: dict
    urls: list[str]
    path: str
    line: int


def git(cwd: Path, *args: str) -> str:
    try:
        proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, timeout=120)
    except FileNotFoundError:
        raise ChangedError("git is not installed") from None
    if proc.returncode != 0:
        raise ChangedError(proc.stderr.decode("utf-8", "replace").strip() or f"git {' '.join(args)} failed")
    return proc.stdout.decode("utf-8", "replace")


def resolve_base(catalog_dir: Path, rev: str, merge_base: bool = True) -> str:
    try:
        git(catalog_dir, "rev-parse", "--show-toplevel")
    except ChangedError:
        raise ChangedError(f"{display_path(catalog_dir)} is not inside a git repository") from None
    try:
        commit = git(catalog_dir, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}").strip()
    except ChangedError:
        raise ChangedError(f"unknown revision '{rev}'; in GitHub Actions check out with `fetch-depth: 0` so the "
                           "base branch is there") from None
    if merge_base:
        try:
            return git(catalog_dir, "merge-base", commit, "HEAD").strip() or commit
        except ChangedError:
            return commit  # no common history (or no HEAD yet): compare with REV itself
    return commit


def export_catalog(catalog_dir: Path, commit: str, dest: Path) -> bool:
    """Write the catalog's YAML files (and lock) as they were at `commit` into `dest`; False if it had none."""
    top = Path(git(catalog_dir, "rev-parse", "--show-toplevel").strip())
    relative = catalog_dir.resolve().relative_to(top.resolve()).as_posix()
    prefix = "" if relative == "." else relative + "/"
    listing = git(top, "ls-tree", "-r", "-z", "--name-only", commit, "--", prefix or ".")
    found = False
    for name in filter(None, listing.split("\0")):
        inner = name[len(prefix):]
        if not (inner.endswith(".yaml") or inner == "translations.lock"):
            continue
        blob = subprocess.run(["git", "show", f"{commit}:{name}"], cwd=top, capture_output=True, timeout=120)
        if blob.returncode != 0:
            raise ChangedError(blob.stderr.decode("utf-8", "replace").strip())
        target = dest / inner
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(blob.stdout)
        found = True
    return found


def urls_of(kind: str, item: object) -> list[str]:
    if kind == "resources":
        return [item.url, *item.previous_urls, *(m.url for m in item.mirrors)]  # type: ignore[attr-defined]
    if kind == "notebooks":
        return [u for u in (item.colab_url, item.article_url) if u]  # type: ignore[attr-defined]
    if kind == "roadmaps":
        return [item.source.url]  # type: ignore[attr-defined]
    return []


def _shown_path(entry: Entry, temp_root: Path | None, catalog_dir: Path) -> str:
    if temp_root is None:
        return entry.path
    try:
        inner = Path(entry.path).resolve().relative_to(temp_root.resolve())
    except ValueError:
        return entry.path
    return str(Path(display_path(catalog_dir)) / inner)


def snapshot(result: LoadResult, catalog_dir: Path, temp_root: Path | None = None) -> dict[tuple[str, str], _Item]:
    items: dict[tuple[str, str], _Item] = {}
    for kind, entries in result.entries.items():
        for entry in entries:
            item = entry.item
            path = _shown_path(entry, temp_root, catalog_dir)
            data = item.model_dump(mode="json")
            if kind == "roadmaps":
                for s_index, section in enumerate(item.sections):  # type: ignore[attr-defined]
                    for n_index, node in enumerate(section.nodes):
                        node_data = {**node.model_dump(mode="json"), "section": section.id}
                        line = entry.position("sections", s_index, "nodes", n_index)[0]
                        items[("nodes", f"{item.id}/{node.id}")] = _Item(node_data, [], path, line)  # type: ignore
                data["sections"] = [{k: v for k, v in s.items() if k != "nodes"} | {"nodes": [n["id"] for n in
                                    s["nodes"]]} for s in data["sections"]]
            items.setdefault((kind, item.id), _Item(data, urls_of(kind, item), path,  # type: ignore[attr-defined]
                                                    entry.position()[0]))
    return items


def compare(old: dict[tuple[str, str], _Item], new: dict[tuple[str, str], _Item],
            broken: set[tuple[str, str]] = frozenset()) -> list[EntryChange]:  # type: ignore[assignment]
    """Entries added, changed or removed; `broken` entries fail validation now, so they cannot be compared."""
    changes = []
    for key in sorted(old.keys() | new.keys(), key=lambda k: (_ORDER.index(k[0]), k[1])):
        kind = KIND_NAMES[key[0]]
        before, after = old.get(key), new.get(key)
        if before is None and after is not None:
            changes.append(EntryChange(kind, key[1], "added", (), after.path, after.line))
        elif after is None and before is not None:
            change = "invalid" if key in broken else "removed"
            changes.append(EntryChange(kind, key[1], change, (), before.path, None))
        elif before is not None and after is not None and before.data != after.data:
            fields = tuple(name for name in after.data.keys() | before.data.keys()
                           if before.data.get(name) != after.data.get(name))
            order = list(after.data) + [f for f in before.data if f not in after.data]
            changes.append(EntryChange(kind, key[1], "changed", tuple(sorted(fields, key=order.index)), after.path,
                                       after.line))
    return changes


def new_urls(old: dict[tuple[str, str], _Item], new: dict[tuple[str, str], _Item]) -> list[str]:
    """URLs in the working tree that the base did not have anywhere (exact text), in catalog order."""
    known = {url for item in old.values() for url in item.urls}
    found: dict[str, None] = {}
    for item in new.values():
        for url in item.urls:
            if url not in known:
                found.setdefault(url, None)
    return list(found)


def changes_since(catalog_dir: Path, rev: str, merge_base: bool = True) -> ChangeReport:
    catalog_dir = Path(catalog_dir)
    base = resolve_base(catalog_dir, rev, merge_base)
    _, current = check_catalog(catalog_dir)
    new = snapshot(current, catalog_dir)
    with tempfile.TemporaryDirectory(prefix="roadmap-changed-") as tmp:
        temp_root = Path(tmp) / "catalog"
        if export_catalog(catalog_dir, base, temp_root):
            _, before = check_catalog(temp_root)
            old = snapshot(before, catalog_dir, temp_root)
        else:
            old = {}
    broken = {(kind, item_id) for kind, ids in current.broken_ids.items() for item_id in ids}
    return ChangeReport(rev, base, tuple(compare(old, new, broken)), tuple(new_urls(old, new)),
                        len(current.errors))


def format_text(report: ChangeReport) -> str:
    short = report.base[:10]
    if not report.entries and not report.urls:
        return f"No catalog entries changed since {report.since} ({short}).\n"
    lines = [f"Catalog changes since {report.since} ({short}):"]
    width = max((len(e.id) for e in report.entries), default=0)
    for e in report.entries:
        where = f"{e.path}:{e.line}" if e.line else (e.path or "")
        fields = f"  ({', '.join(e.fields)})" if e.fields else ""
        lines.append(f"  {e.change:<8} {e.kind:<9} {e.id:<{width}}  {where}{fields}".rstrip())
    lines.append(f"{len(report.urls)} URL(s) added or changed" + (":" if report.urls else "."))
    lines.extend(f"  {url}" for url in report.urls)
    return "\n".join(lines) + "\n"
