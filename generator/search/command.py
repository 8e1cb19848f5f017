"""`roadmap search` and `roadmap index`.

Only argparse is imported at start-up; whoosh, rjieba and rich load inside the handlers, and the catalog (pydantic,
YAML) loads only when the index must be rebuilt.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path
from typing import Any

from ..cli import UsageError, _add_catalog_option, _catalog_dir, load
from .facets import CHOICES

_HAN = re.compile("[\u3400-\u9fff\uf900-\ufaff]")
_SHOWN_PLACES = 2


def register(subparsers: Any) -> None:
    search = subparsers.add_parser(
        "search", help="search the resources in English or Chinese (量化, agent, LoRA 微调, ...)",
        description="Search the catalog's resources. Without QUERY, read one query per line from standard input "
                    "and write one JSON object per line (the index is opened once).")
    search.add_argument("query", nargs="*", metavar="QUERY", help="words to search for, in any language")
    for facet, choices in CHOICES.items():
        search.add_argument(f"--{facet}", choices=choices, help=f"only this {facet}")
    search.add_argument("--topic", metavar="ID", help="only resources on this topic id (or a narrower one)")
    search.add_argument("--roadmap", metavar="ID", help="only resources listed in this roadmap id")
    search.add_argument("--limit", metavar="N", type=_positive, default=10, help="at most N results (default 10)")
    search.add_argument("--json", action="store_true", help='print {"query": ..., "results": [...]} as JSON')
    _add_index_options(search)
    search.set_defaults(func=cmd_search)

    index = subparsers.add_parser("index", help="build the search index (only when the catalog changed)")
    _add_index_options(index)
    index.add_argument("--force", action="store_true", help="rebuild even if the index is up to date")
    index.set_defaults(func=cmd_index)


def _add_index_options(parser: argparse.ArgumentParser) -> None:
    _add_catalog_option(parser)
    parser.add_argument("--index", metavar="DIR", help="index directory (default: build/search-index)")


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 1 <= value <= 1000:
        raise argparse.ArgumentTypeError("must be between 1 and 1000")
    return value


def _index_dir(args: argparse.Namespace, catalog_dir: Path) -> Path:
    from .index import default_index_dir

    return Path(args.index) if args.index else default_index_dir(catalog_dir)


def _ensure(args: argparse.Namespace, force: bool = False) -> tuple[Path, bool]:
    """The fresh index for the command's catalog; rebuilds it (loading the catalog) only when needed."""
    from .index import SearchError, build_index, content_hash, ensure_index, read_stamp

    catalog_dir = _catalog_dir(args)
    index_dir = _index_dir(args, catalog_dir)
    started = time.perf_counter()
    try:
        if force:
            build_index(load(args), index_dir, content_hash=content_hash(catalog_dir))
            rebuilt = True
        else:
            index_dir, rebuilt = ensure_index(catalog_dir, index_dir, lambda: load(args))
    except SearchError as exc:
        raise UsageError(str(exc)) from None
    if rebuilt:
        stamp = read_stamp(index_dir) or {}
        print(f"search index: indexed {stamp.get('documents', '?')} documents in "
              f"{time.perf_counter() - started:.1f} s -> {index_dir}", file=sys.stderr)
    return index_dir, rebuilt


def cmd_index(args: argparse.Namespace) -> int:
    from .index import read_stamp

    index_dir, rebuilt = _ensure(args, force=args.force)
    if not rebuilt:
        stamp = read_stamp(index_dir) or {}
        print(f"search index: up to date ({stamp.get('documents', '?')} documents) in {index_dir}", file=sys.stderr)
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    from .index import SearchError
    from .query import Filters, Searcher

    index_dir, _ = _ensure(args)
    filters = Filters(kind=args.kind, language=args.language, access=args.access, level=args.level,
                      topic=args.topic, roadmap=args.roadmap)
    try:
        searcher = Searcher(index_dir)
        with searcher:
            searcher.check_filters(filters)
            if not args.query:
                return _search_lines(searcher, filters, args.limit)
            results = searcher.search(" ".join(args.query), filters, args.limit)
    except SearchError as exc:
        raise UsageError(str(exc)) from None
    try:
        if args.json:
            _write_line(results.as_dict())
        else:
            _print_table(results)
    except BrokenPipeError:
        _reader_went_away()
    return 0


def _reader_went_away() -> None:
    """Standard output was closed early (`roadmap search x | head -1`): stop quietly, like other CLI tools."""
    import os

    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error when Python flushes at exit
    raise SystemExit(0)


def _write_line(obj: dict[str, Any]) -> None:
    ascii_only = (sys.stdout.encoding or "").lower().replace("-", "") not in ("utf8", "utf8sig")
    sys.stdout.write(json.dumps(obj, ensure_ascii=ascii_only) + "\n")
    sys.stdout.flush()


def _search_lines(searcher: Any, filters: Any, limit: int) -> int:
    """One query per line of standard input -> one JSON object per line of standard output."""
    from .index import SearchError

    if sys.stdin.isatty():
        print("reading queries from standard input, one per line (Ctrl-D to end)", file=sys.stderr)
    if hasattr(sys.stdin, "reconfigure"):
        sys.stdin.reconfigure(errors="replace")
    for line in sys.stdin:
        query = line.rstrip("\r\n")
        try:
            obj = searcher.search(query, filters, limit).as_dict()
        except SearchError as exc:
            obj = {"query": query, "results": [], "error": str(exc)}
        try:
            _write_line(obj)
        except BrokenPipeError:
            _reader_went_away()
    return 0


def _print_table(results: Any) -> None:
    """A readable table: title (in the query's language when there is one), kind, language, where the resource
    sits in the roadmaps, URL. Messages go to standard error, so standard output holds only the table."""
    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    err = Console(stderr=True, highlight=False)
    query = " ".join(results.query.split())
    if results.notice:
        err.print(Text(results.notice, style="yellow"))
    if not results:
        if not results.notice:
            err.print(Text(f"no results for “{query}”"))
        return
    zh = bool(_HAN.search(results.query))
    lang = "zh" if zh else "en"
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, highlight=False)
    table.add_column("#", justify="right", style="dim", no_wrap=True)
    table.add_column("标题" if zh else "Title", ratio=4, overflow="fold")
    table.add_column("类型" if zh else "Kind", no_wrap=True)
    table.add_column("语言" if zh else "Lang", no_wrap=True)
    table.add_column("所在路线" if zh else "Where", ratio=3, overflow="fold")
    table.add_column("URL", ratio=4, overflow="fold")
    for rank, hit in enumerate(results, 1):
        title = Text((hit.title_zh or hit.title) if zh else hit.title, style="bold")
        places = hit.where(lang)
        where = "\n".join(places[:_SHOWN_PLACES])
        if len(places) > _SHOWN_PLACES:
            where += f"\n(+{len(places) - _SHOWN_PLACES})"
        url = Text(hit.url, style=f"link {hit.url}" if hit.url.startswith(("http://", "https://")) else "")
        table.add_row(str(rank), title, hit.kind, hit.language, Text(where or "—"), url)
    Console(highlight=False).print(table)
    note = " (typo-tolerant matches)" if results.fuzzy else ""
    err.print(Text(f"{len(results)} result(s) for “{query}”{note}", style="dim"))
