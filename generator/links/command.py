"""`roadmap check-links`: the command-line glue. `configure(parser)` adds the options and
`run(args)` runs the command and returns its exit code (0 nothing broken, 1 something broken or
an invalid catalog, 2 usage error, 130 interrupted)."""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import signal
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

from . import health
from .cache import ResultCache, default_cache_path, parse_duration
from .extract import Target, from_catalog
from .report import FORMATTERS, counts, render
from .select import UsageProblem, catalog_dir, load_catalog, select_targets
from .status import LinkResult, Status

EPILOG = """\
statuses: ok, redirected (permanent move; see final_url), broken (404/410, DNS failure, refused,
redirect loop or to a 404, 5xx after retries, missing #fragment, hung socket after its retry),
unknown (bot walls: 403/999/challenge pages, likely soft-404, rate limits past the cap, TLS
trouble, no network), skipped (--exclude, or a private address without --allow-private).

status file: `--update-status REPORT.jsonl [REPORT2.jsonl ...]` checks nothing: it merges one or
more reports (e.g. one per --shard) into CATALOG/link-status.json (or --status-file), which the
site reads; a link is dead only after failing 3 checks at least a day apart. With an explicit
--catalog, links no longer in the catalog are dropped from the file. Nightly CI:
  roadmap check-links --shard 1/2 --format jsonl --output r1.jsonl   (one job per shard)
  roadmap check-links --update-status r1.jsonl r2.jsonl

cache: every finished result is appended at once to --cache (so Ctrl-C or kill loses nothing);
with --max-age, URLs checked more recently than that are not checked again (so re-running an
interrupted check with --max-age 1d only checks what is left).

exit codes: 0 nothing broken, 1 something broken (or an invalid catalog), 2 usage error,
130 interrupted (the finished results are still reported and cached)."""


def _positive(kind):
    def parse(text: str):
        value = kind(text)
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be positive: {text}")
        return value

    parse.__name__ = kind.__name__
    return parse


def _duration(text: str):
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _shard(text: str) -> tuple[int, int]:
    try:
        k, n = (int(part) for part in text.split("/"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected K/N such as 1/4, got {text!r}") from None
    if not 1 <= k <= n:
        raise argparse.ArgumentTypeError(f"need 1 <= K <= N, got {text!r}")
    return k, n


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the check-links options to `parser` (including --catalog)."""
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.description = "Check every link of the catalog (or of a file) and report what is broken."
    parser.epilog = EPILOG
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--catalog", metavar="DIR", help="catalog directory (default: ./catalog)")
    source.add_argument("--urls-file", metavar="FILE", help="check the URLs in a Markdown, HTML or text file instead")
    parser.add_argument("--changed-since", metavar="GIT_REV", help="only URLs added or changed since this git revision")
    parser.add_argument("--format", choices=sorted(FORMATTERS), default="text", help="report format (default: text)")
    parser.add_argument("--output", metavar="FILE", help="write the report here instead of standard output")
    parser.add_argument("--timeout", type=_positive(float), default=10.0, metavar="S",
                        help="seconds to wait for a response (a second attempt starts at 60%%; default: 10)")
    parser.add_argument("--concurrency", type=_positive(int), default=128, metavar="N",
                        help="requests in flight overall (default: 128)")
    parser.add_argument("--per-host", type=_positive(int), default=4, metavar="N",
                        help="requests in flight per host; halved on 429 (default: 4)")
    parser.add_argument("--max-age", type=_duration, metavar="DURATION",
                        help="reuse cached results younger than this (e.g. 12h, 7d); others are checked")
    parser.add_argument("--allow-private", action="store_true",
                        help="also check URLs on private, loopback and link-local addresses")
    parser.add_argument("--exclude", action="append", default=[], metavar="REGEX",
                        help="skip URLs matching this regular expression (repeatable)")
    parser.add_argument("--shard", type=_shard, metavar="K/N", help="check only shard K of N (split by host)")
    parser.add_argument("--cache", metavar="FILE", help=f"result cache (default: {default_cache_path()})")
    parser.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")
    parser.add_argument("--fix-redirects", action="store_true",
                        help="rewrite permanently redirected URLs in the catalog YAML (old URL -> previous_urls)")
    parser.add_argument("--update-status", nargs="+", metavar="REPORT",
                        help="check nothing: merge these jsonl/json reports into the link-status file")
    parser.add_argument("--status-file", metavar="FILE", help="link-status file (default: CATALOG/link-status.json)")


def run(args: argparse.Namespace) -> int:
    try:
        if args.update_status:
            return _update_status(args)
        return _check(args)
    except UsageProblem as exc:
        print(f"roadmap check-links: error: {exc}", file=sys.stderr)
        return 2


# -- checking ----------------------------------------------------------------------------------


def _quiet() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes") or not sys.stderr.isatty()


async def _run_engine(targets: list[Target], options, on_result) -> list[LinkResult]:
    from .checker import check_async

    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    try:
        loop.add_signal_handler(signal.SIGTERM, task.cancel)  # type: ignore[union-attr]
    except (NotImplementedError, RuntimeError, ValueError):  # pragma: no cover - not the main thread
        pass
    try:
        return await check_async(targets, options, on_result=on_result)
    finally:
        try:
            loop.remove_signal_handler(signal.SIGTERM)
        except (NotImplementedError, RuntimeError, ValueError):  # pragma: no cover
            pass


def _check(args: argparse.Namespace) -> int:
    if args.fix_redirects and args.urls_file:
        raise UsageProblem("--fix-redirects rewrites the catalog: it cannot be used with --urls-file")
    if args.no_cache and args.max_age is not None:
        raise UsageProblem("--max-age reads the cache: it cannot be used with --no-cache")
    for pattern in args.exclude:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise UsageProblem(f"--exclude {pattern!r}: {exc}") from None
    targets, root = select_targets(args)
    if targets is None:
        return 1
    started = time.monotonic()
    cache = None if args.no_cache else ResultCache(Path(args.cache) if args.cache else default_cache_path())
    reused: list[LinkResult] = []
    if cache is not None and args.max_age is not None:
        cache.compact()
        fresh = cache.fresh(args.max_age)
        reused = [fresh[t.url].with_sources(t.sources) for t in targets if t.url in fresh]
        targets = [t for t in targets if t.url not in fresh]
    from .checker import CheckOptions

    options = CheckOptions(timeout=args.timeout, concurrency=args.concurrency, per_host=args.per_host,
                           allow_private=args.allow_private, exclude=tuple(args.exclude))
    finished: list[LinkResult] = []
    progress = None if _quiet() else _progress(len(targets))

    def on_result(result: LinkResult) -> None:
        finished.append(result)
        if cache is not None:
            cache.append(result)
        if progress is not None:
            progress[0].advance(progress[1])

    interrupted = False
    try:
        if progress is not None:
            progress[0].start()
        if targets:
            asyncio.run(_run_engine(targets, options, on_result))
    except (KeyboardInterrupt, asyncio.CancelledError):
        interrupted = True
    finally:
        if progress is not None:
            progress[0].stop()
        if cache is not None:
            cache.close()
    results = reused + finished
    _write(render(args.format, results), args.output)
    _summary(results, len(reused), time.monotonic() - started, interrupted)
    if args.fix_redirects and root is not None and not interrupted:
        _fix(root, results)
    if interrupted:
        return 130
    return 1 if any(r.status is Status.BROKEN for r in results) else 0


def _progress(total: int):
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(TextColumn("checking links"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   console=Console(stderr=True), transient=True)
    return bar, bar.add_task("links", total=total)


def _write(text: str, output: str | None) -> None:
    if output:
        from ..fsutil import write_text_atomic

        write_text_atomic(Path(output), text)
    else:
        sys.stdout.write(text)
        sys.stdout.flush()


def _summary(results: list[LinkResult], cached: int, elapsed: float, interrupted: bool) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="link check" + (" (interrupted)" if interrupted else ""), title_justify="left")
    table.add_column("status")
    table.add_column("URLs", justify="right")
    styles = {"ok": "green", "redirected": "cyan", "broken": "bold red", "unknown": "yellow", "skipped": "dim"}
    for status, count in counts(results).items():
        table.add_row(f"[{styles[status]}]{status}[/]", str(count))
    table.add_row("total", str(len(results)))
    console = Console(stderr=True, highlight=False)
    console.print(table)
    console.print(f"{len(results) - cached} checked, {cached} from the cache, in {elapsed:.1f} s")


def _fix(root: Path, results: list[LinkResult]) -> None:
    from .fix_redirects import fix_redirects

    moves = {}
    for r in results:
        if r.status is Status.REDIRECTED and r.final_url:
            fragment = urlsplit(r.url).fragment
            moves[r.url] = r.final_url + (f"#{fragment}" if fragment and "#" not in r.final_url else "")
    for change in fix_redirects(root, moves):
        print(f"fixed {change.path} [{change.where}]: {change.old} -> {change.new}", file=sys.stderr)


# -- the status file ---------------------------------------------------------------------------


def _update_status(args: argparse.Namespace) -> int:
    if args.urls_file:
        raise UsageProblem("--update-status reads reports; it cannot be used with --urls-file")
    status_path = Path(args.status_file) if args.status_file else catalog_dir(args) / "link-status.json"
    results: list[LinkResult] = []
    for report in args.update_status:
        try:
            results.extend(health.read_report(Path(report)))
        except OSError as exc:
            raise UsageProblem(f"cannot read report {report}: {exc.strerror or exc}") from None
        except ValueError as exc:
            raise UsageProblem(str(exc)) from None
    keep = None
    if args.catalog:  # an explicit catalog: drop links that are no longer in it
        catalog = load_catalog(catalog_dir(args))
        if catalog is None:
            return 1
        keep = {t.url for t in from_catalog(catalog)}
    try:
        current = health.load(status_path)
    except ValueError as exc:
        raise UsageProblem(str(exc)) from None
    updated = health.update(current, results, keep)
    from ..fsutil import write_text_atomic

    write_text_atomic(status_path, health.dumps(updated))
    dead = sum(1 for url in updated["links"] if health.link_health(updated, url).state == "dead")
    print(f"{status_path}: {len(updated['links'])} links, {dead} dead, from {len(results)} results",
          file=sys.stderr)
    return 0


def register(subparsers) -> None:
    """Add `roadmap check-links` (see generator/cli.py COMMAND_MODULES)."""
    parser = subparsers.add_parser("check-links", help="check every link of the catalog (or of a file)")
    configure(parser)
    parser.set_defaults(func=run)
