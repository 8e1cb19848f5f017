"""`roadmap build` and `roadmap serve`. Heavy imports (jinja2, mkdocs, watchfiles) stay inside the handlers."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _add_catalog_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--catalog", metavar="DIR", help="catalog directory (default: ./catalog)")


def _report(result) -> None:
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    timing = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in result.timings.items())
    pages = " + ".join(f"{count} {lang}" for lang, count in result.pages.items())
    print(f"✓ site built in {result.output} ({pages} pages; {timing})")
    if result.search_index:
        print(f"✓ search index ready in {result.search_index}")


def cmd_build(args: argparse.Namespace) -> int:
    from ..cli import _catalog_dir, load
    from .build import BuildError, build_site

    catalog = load(args)
    try:
        result = build_site(catalog, catalog_dir=_catalog_dir(args),
                            output=Path(args.output) if args.output else None,
                            search_index=not args.no_search_index)
    except BuildError as exc:
        print(f"✗ {exc}", file=sys.stderr)
        return 1
    _report(result)
    if result.search_error:
        print(f"✗ search index not built: {result.search_error}", file=sys.stderr)
        return 1
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from ..cli import _catalog_dir
    from .serve import serve

    return serve(_catalog_dir(args), host=args.host, port=args.port, watch=not args.no_watch,
                 output=Path(args.output) if args.output else None)


def register(commands) -> None:
    build = commands.add_parser("build", help="build the English and Chinese site (MkDocs, --strict)")
    _add_catalog_option(build)
    build.add_argument("--output", metavar="DIR", help="where to write the site (default: build/site)")
    build.add_argument("--no-search-index", action="store_true",
                       help="skip the `roadmap search` index (build/search-index)")
    build.set_defaults(func=cmd_build)

    serve = commands.add_parser("serve", help="build the site, serve it, and rebuild when the catalog changes")
    _add_catalog_option(serve)
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    serve.add_argument("--output", metavar="DIR", help="where to write the site (default: build/site)")
    serve.add_argument("--no-watch", action="store_true", help="build once and serve, without rebuilding")
    serve.set_defaults(func=cmd_serve)
