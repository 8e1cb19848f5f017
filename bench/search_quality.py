"""Search quality: hit@5 and MRR of `roadmap search` on bench/search_queries.json, beside the site's own search.

    .venv/bin/python bench/search_quality.py [--catalog DIR] [--site DIR] [--no-site] [--build-site] [--verbose]

Ours: the real catalog, indexed with `generator.search` (goal: hit@5 >= 0.95). A query scores a hit when one of
its expected URLs is among the first 5 results; MRR uses the rank of the first expected URL in the first 10.

The site: Material for MkDocs' search, run with Material's own search worker (lunr + Material's query handling,
the site's search_index.json and config) under Node, via bench/material_search.cjs. The site comes from --site,
else build/site, else (with --build-site, or when build/site is missing) a fresh build into a temporary directory.
How its results are counted, and what is approximated:
  * One result = one result card, i.e. one page group as Material returns and shows it (the page, its best
    sections, and the sections folded under "N more on this page").
  * A card finds a resource when the resource's link (its URL, a previous URL, a mirror) is in the page preface or
    in one of the card's sections, as sectioned by Material's search plugin (headings with an id). This is lenient:
    a card can hold dozens of resources, while one of our results is one resource.
  * Each query runs on both sites (English site, Chinese site); "by script" sends queries with Chinese characters
    to the Chinese site and the rest to the English site, as a reader would.
  * Not modelled: typing character by character (we send the whole query once), and the browser's own rendering.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from generator.cli import load  # noqa: E402
from generator.search.index import ensure_index  # noqa: E402
from generator.search.query import Searcher  # noqa: E402

TOP = 5
MRR_DEPTH = 10
HAN = range(0x3400, 0xA000)


def has_han(text: str) -> bool:
    return any(ord(ch) in HAN for ch in text)


def load_queries(path: Path) -> list[dict]:
    if path.suffix in (".yaml", ".yml"):
        import yaml

        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    else:
        data = json.loads(path.read_text(encoding="utf-8"))
    return data["queries"] if isinstance(data, dict) else data


def url_owners(catalog) -> dict[str, str]:
    """Every URL that leads to a catalog item (its URL, previous URLs, mirrors) -> the item's main URL."""
    owners: dict[str, str] = {}
    for resource in catalog.resources:
        for url in (resource.url, *resource.previous_urls, *(m.url for m in resource.mirrors)):
            owners.setdefault(norm(url), resource.url)
    for notebook in catalog.notebooks:
        main = notebook.colab_url or notebook.article_url or notebook.path
        for url in (notebook.colab_url, notebook.article_url):
            if url:
                owners.setdefault(norm(url), main)
    return owners


def norm(url: str) -> str:
    return url.strip().rstrip("/").replace("http://", "https://", 1).lower()


def score(ranked: list[set[str]], expected: set[str]) -> tuple[int | None, float]:
    """(rank of the first result holding an expected URL, reciprocal rank); ranks from 1."""
    for rank, found in enumerate(ranked[:MRR_DEPTH], 1):
        if found & expected:
            return rank, 1.0 / rank
    return None, 0.0


def summarize(rows: list[tuple[str, int | None, float]]) -> tuple[float, float]:
    if not rows:
        return 0.0, 0.0
    hits = sum(1 for _, rank, _ in rows if rank is not None and rank <= TOP)
    return hits / len(rows), sum(rr for _, _, rr in rows) / len(rows)


# ------------------------------------------------------------------------------------------------ ours


def run_ours(catalog_dir: Path, catalog, queries: list[dict], owners: dict[str, str]) -> list[list[set[str]]]:
    index_dir, _ = ensure_index(catalog_dir, None, lambda: catalog)
    ranked = []
    with Searcher(index_dir) as searcher:
        for entry in queries:
            hits = searcher.search(entry["query"], limit=MRR_DEPTH)
            ranked.append([{owners.get(norm(hit.url), hit.url)} for hit in hits])
    return ranked


# ------------------------------------------------------------------------------------------------ the site


class _Sections(HTMLParser):
    """Links per search section of one page, sectioned like Material's search plugin (headings with an id)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0  # inside <article class="md-content__inner">
        self.current: str | None = None
        self.links: dict[str, set[str]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if self.depth == 0:
            if tag == "article" and "md-content__inner" in (values.get("class") or ""):
                self.depth = 1
            return
        if tag == "article":
            self.depth += 1
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6") and values.get("id"):
            if self.current is None:
                self.links.setdefault("", set())
                self.current = "" if tag == "h1" else values["id"]
            else:
                self.current = values["id"]
            self.links.setdefault(self.current, set())
        if self.current is None:
            self.current = ""
            self.links.setdefault("", set())
        href = values.get("href") or ""
        if tag == "a" and href.startswith(("http://", "https://")):
            self.links[self.current].add(href)

    def handle_endtag(self, tag: str) -> None:
        if self.depth and tag == "article":
            self.depth -= 1


class Site:
    def __init__(self, site_dir: Path, owners: dict[str, str]):
        self.dir = site_dir
        self.owners = owners
        self._pages: dict[str, dict[str, set[str]]] = {}

    def section_items(self, location: str) -> set[str]:
        page, _, anchor = location.partition("#")
        if page not in self._pages:
            path = self.dir / page / "index.html" if not page.endswith(".html") else self.dir / page
            parser = _Sections()
            if path.is_file():
                parser.feed(path.read_text(encoding="utf-8"))
            self._pages[page] = {key: {self.owners[norm(u)] for u in urls if norm(u) in self.owners}
                                 for key, urls in parser.links.items()}
        sections = self._pages[page]
        return sections.get(anchor, set()) | (sections.get("", set()) if not anchor else set())

    def run(self, queries: list[str]) -> list[list[set[str]]]:
        node = shutil.which("node")
        if node is None:
            raise RuntimeError("node is not installed")
        script = Path(__file__).with_name("material_search.cjs")
        proc = subprocess.run([node, str(script), str(self.dir)], input="".join(json.dumps(q) + "\n" for q in queries),
                              capture_output=True, text=True, timeout=600)
        if proc.returncode != 0:
            raise RuntimeError(proc.stderr.strip() or "material_search.cjs failed")
        ranked = []
        for line in proc.stdout.splitlines():
            groups = json.loads(line)["groups"]
            ranked.append([set().union(*(self.section_items(item["location"]) for item in group)) for group in groups])
        return ranked


def find_site(args: argparse.Namespace, catalog, catalog_dir: Path, tmp: Path) -> Path | None:
    if args.site:
        return Path(args.site)
    built = ROOT / "build" / "site"
    if not args.build_site and (built / "search" / "search_index.json").is_file() \
            and (built / "zh" / "search" / "search_index.json").is_file():
        return built
    try:
        from generator.site.build import build_site
    except ImportError:
        print("site search: skipped (the site builder, generator.site, is not available)", file=sys.stderr)
        return None
    print("site search: building the site into a temporary directory ...", file=sys.stderr)
    result = build_site(catalog, catalog_dir=catalog_dir, output=tmp / "site", search_index=False)
    return result.output


# ------------------------------------------------------------------------------------------------ report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--queries", default=str(Path(__file__).with_name("search_queries.json")))
    parser.add_argument("--catalog", metavar="DIR", default=None, help="catalog directory (default: ./catalog)")
    parser.add_argument("--site", metavar="DIR", help="a built site (default: build/site, else build one)")
    parser.add_argument("--build-site", action="store_true", help="build a fresh site even if build/site exists")
    parser.add_argument("--no-site", action="store_true", help="only measure `roadmap search`")
    parser.add_argument("--verbose", "-v", action="store_true", help="print every query, not only the misses")
    args = parser.parse_args()

    from generator.cli import _catalog_dir

    catalog_dir = _catalog_dir(args)
    catalog = load(args)
    queries = load_queries(Path(args.queries))
    owners = url_owners(catalog)
    stale = [(q["query"], url) for q in queries for url in q["expect"] if norm(url) not in owners]
    for query, url in stale:
        print(f"warning: {query!r} expects {url}, which is not in the catalog", file=sys.stderr)

    expected = [{owners[norm(u)] for u in q["expect"] if norm(u) in owners} for q in queries]
    systems: dict[str, list[list[set[str]]]] = {"ours": run_ours(catalog_dir, catalog, queries, owners)}

    with tempfile.TemporaryDirectory() as tmp:
        site_dir = None if args.no_site else find_site(args, catalog, catalog_dir, Path(tmp))
        if site_dir is not None:
            texts = [q["query"] for q in queries]
            try:
                english = Site(site_dir, owners).run(texts)
                chinese = Site(site_dir / "zh", owners).run(texts)
            except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
                print(f"site search: skipped ({exc})", file=sys.stderr)
            else:
                systems["site (by script)"] = [chinese[i] if has_han(t) else english[i] for i, t in enumerate(texts)]
                systems["site en"] = english
                systems["site zh"] = chinese

    results = {name: [(q["type"], *score(ranked[i], expected[i])) for i, q in enumerate(queries)]
               for name, ranked in systems.items()}

    print(f"\n{len(queries)} queries, hit@{TOP} and MRR@{MRR_DEPTH}   (site: {site_dir or 'not measured'})\n")
    names = list(results)
    print(f"{'hit@5 / MRR':14}" + "".join(f"{name:>24}" for name in names))
    types = sorted({q["type"] for q in queries}, key=["english", "chinese", "mixed", "typo", "author"].index)
    for label in [*types, "all"]:
        cells = []
        for name in names:
            rows = [r for r in results[name] if label in ("all", r[0])]
            hit, mrr = summarize(rows)
            cells.append(f"{hit:6.2f} / {mrr:4.2f} (n={len(rows):2})")
        print(f"{label:14}" + "".join(f"{cell:>24}" for cell in cells))

    print("\nper query: rank of the first expected result (- = not in the first 10)")
    for i, q in enumerate(queries):
        ranks = [results[name][i][1] for name in names]
        if args.verbose or not ranks[0] or ranks[0] > TOP:
            cells = "".join(f"{(str(r) if r else '-'):>8}" for r in ranks)
            print(f"  {q['type']:8} {q['query'][:40]:42}{cells}")
    hit, mrr = summarize(results["ours"])
    print(f"\nours: hit@5 = {hit:.3f}, MRR = {mrr:.3f}  (goal: hit@5 >= 0.95)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
