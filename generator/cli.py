"""`roadmap`: the command-line front. Each command calls one library function and turns catalog errors
into clear messages. Exit codes: 0 success, 1 invalid catalog / failed check, 2 usage error."""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from pathlib import Path

from .errors import CatalogError

REPO_ROOT = Path(__file__).resolve().parent.parent
# Each module adds its own subcommands with `register(subparsers)`; they keep heavy imports inside the handlers
# so that `roadmap --help` and `roadmap search` start fast.
COMMAND_MODULES: tuple[str, ...] = (
    "generator.site.command",
    "generator.search.command",
    "generator.links.command",
    "generator.contrib.command",
)


def default_catalog() -> Path:
    here = Path.cwd() / "catalog"
    return here if (here / "topics.yaml").exists() else REPO_ROOT / "catalog"


class UsageError(Exception):
    """A mistake in how the command was called (exit code 2)."""


def _catalog_dir(args: argparse.Namespace) -> Path:
    path = Path(args.catalog) if args.catalog else default_catalog()
    if not path.is_dir():
        raise UsageError(f"catalog directory not found: {path}")
    return path


def _print_problems(problems: list[CatalogError], stream) -> None:
    for problem in problems:
        print(problem, file=stream)
    if os.environ.get("GITHUB_ACTIONS") == "true":
        for problem in problems:
            print(problem.github_annotation(), file=stream)


def load_checked(args: argparse.Namespace):
    """(catalog, LoadResult) for a command that also needs the entries' positions; prints every error and exits 1
    when the catalog is invalid."""
    from .loader import check_catalog

    catalog, result = check_catalog(_catalog_dir(args))
    if catalog is None:
        _print_problems(result.errors + result.warnings, sys.stderr)
        print(f"✗ the catalog has {len(result.errors)} error(s); fix them and run `roadmap validate`",
              file=sys.stderr)
        raise SystemExit(1)
    return catalog, result


def load(args: argparse.Namespace):
    """The validated catalog for a command; prints every error and exits 1 when it is invalid."""
    return load_checked(args)[0]


def cmd_validate(args: argparse.Namespace) -> int:
    from .loader import check_catalog

    catalog, result = check_catalog(_catalog_dir(args))
    errors, warnings = sorted(result.errors), sorted(result.warnings)
    if args.format == "json":
        counts = ({kind: len(getattr(catalog, kind)) for kind in ("roadmaps", "topics", "resources", "notebooks")}
                  if catalog else {})
        print(json.dumps({"valid": not errors, "errors": [e.as_dict() for e in errors],
                          "warnings": [w.as_dict() for w in warnings], "counts": counts},
                         ensure_ascii=False, indent=2))
        if os.environ.get("GITHUB_ACTIONS") == "true":
            for problem in errors + warnings:
                print(problem.github_annotation(), file=sys.stderr)
        return 1 if errors else 0
    _print_problems(errors + warnings, sys.stdout)
    if errors:
        files = len({e.path for e in errors})
        print(f"✗ {len(errors)} error(s) in {files} file(s)")
        return 1
    assert catalog is not None
    print(f"✓ catalog is valid: {len(catalog.roadmaps)} roadmaps, {len(catalog.topics)} topics, "
          f"{len(catalog.resources)} resources, {len(catalog.notebooks)} notebooks"
          + (f" ({len(warnings)} warning(s))" if warnings else ""))
    return 0


def _write_or_print(text: str, output: str | None) -> None:
    from .fsutil import write_text_atomic

    if output:
        write_text_atomic(Path(output), text)
        print(f"wrote {output}", file=sys.stderr)
    else:
        sys.stdout.write(text)


def cmd_export(args: argparse.Namespace) -> int:
    from .export import FORMATS

    _write_or_print(FORMATS[args.format](load(args)), args.output)
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    from .fsutil import write_text_atomic
    from .schema import render_schemas

    out_dir = Path(args.output) if args.output else _catalog_dir(args) / "schema"
    stale = []
    for name, text in render_schemas().items():
        path = out_dir / name
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current != text:
            stale.append(path)
            if not args.check:
                write_text_atomic(path, text)
    if args.check:
        for path in stale:
            print(f"stale: {path} (run `roadmap schema`)", file=sys.stderr)
        return 1 if stale else 0
    print(f"schema: {len(stale)} file(s) updated in {out_dir}" if stale else f"schema: up to date in {out_dir}")
    return 0


def _add_catalog_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--catalog", metavar="DIR", help="catalog directory (default: ./catalog)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="roadmap", description="LLM Roadmap / 大模型学习路线图: catalog tools.")
    parser.add_argument("--version", action="version", version="%(prog)s 0.1.0")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    validate = commands.add_parser("validate", help="check every catalog file and report all errors")
    _add_catalog_option(validate)
    validate.add_argument("--format", choices=("text", "json"), default="text", help="output format")
    validate.set_defaults(func=cmd_validate)

    export = commands.add_parser("export", help="write the whole validated catalog as JSON or CSV")
    _add_catalog_option(export)
    export.add_argument("--format", choices=("json", "csv"), default="json")
    export.add_argument("--output", metavar="FILE", help="write here instead of standard output")
    export.set_defaults(func=cmd_export)

    schema = commands.add_parser("schema", help="write the JSON Schema files that editors use")
    _add_catalog_option(schema)
    schema.add_argument("--output", metavar="DIR", help="directory (default: CATALOG/schema)")
    schema.add_argument("--check", action="store_true", help="only report stale files (exit 1 if any)")
    schema.set_defaults(func=cmd_schema)

    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except UsageError as exc:
        parser.exit(2, f"roadmap: error: {exc}\n")
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return 0  # pragma: no cover
