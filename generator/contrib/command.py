"""The contributor commands: `roadmap new`, `roadmap changed` and `roadmap translations`."""

from __future__ import annotations

import argparse
import json
import sys

from .fields import KINDS, Field

_NEW_HELP = {
    "resource": "an article, video, course, paper, repo... (listed under a roadmap node with --node)",
    "node": "a step of a roadmap, inside one of its sections",
    "topic": "a subject that resources, nodes and notebooks are tagged with",
    "notebook": "a runnable notebook (Colab or ours)",
}
_SPLIT_ON_COMMAS = {"topic", "node", "requires"}


def _catalog_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--catalog", metavar="DIR", help="catalog directory (default: ./catalog)")


def _add_field(parser: argparse.ArgumentParser, f: Field) -> None:
    kwargs: dict[str, object] = {"dest": f.name, "help": f.help + (" (required)" if f.required else "")}
    default_metavar = {"url": "URL", "number": "N", "text": "TEXT"}.get(f.kind)
    if f.metavar or default_metavar:
        kwargs["metavar"] = f.metavar or default_metavar
    if f.kind == "select":
        kwargs["choices"] = [value for value, _ in f.choices]
    if f.kind == "number":
        kwargs["type"] = int if f.name == "year" else float
    if f.many:
        kwargs["action"] = "append"
    parser.add_argument(f.flag, **kwargs)  # type: ignore[arg-type]


def register(subparsers) -> None:
    new = subparsers.add_parser(
        "new", help="add a resource, node, topic or notebook to the catalog",
        description="Add an entry to the right catalog file (keeping its comments and order), list it under a "
                    "roadmap node, validate, and print what changed. On a terminal it asks for what the flags "
                    "leave out.")
    kinds = new.add_subparsers(dest="new_kind", metavar="KIND", required=True)
    for kind, fields in KINDS.items():
        parser = kinds.add_parser(kind, help=_NEW_HELP[kind], description=f"Add a {kind}: {_NEW_HELP[kind]}.")
        _catalog_option(parser)
        for f in fields:
            _add_field(parser, f)
        parser.add_argument("--no-input", action="store_true",
                            help="never prompt; a missing required option is an error (the default without a terminal)")
        parser.set_defaults(func=cmd_new, new_fields=fields)

    changed = subparsers.add_parser(
        "changed", help="list the catalog entries and URLs changed since a git revision",
        description="Compare the catalog in the working tree with the catalog at the point where it left REV "
                    "(like `git diff REV...`): entries added, changed or removed, and URLs that are new.")
    _catalog_option(changed)
    changed.add_argument("--since", required=True, metavar="REV", help="a branch, tag or commit, e.g. origin/main")
    output = changed.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print a JSON report")
    output.add_argument("--urls-only", action="store_true",
                        help="print only the new or changed URLs, one per line (for `roadmap check-links --urls-file`)")
    changed.add_argument("--no-merge-base", action="store_true",
                         help="compare with REV itself, not with where the working branch left it")
    changed.set_defaults(func=cmd_changed)

    tr = subparsers.add_parser(
        "translations", help="find texts whose English and Chinese drifted apart; record reviewed pairs",
        description="Each English/Chinese text pair has a fingerprint in catalog/translations.lock, recorded when "
                    "both sides were last checked together. A text whose one side changed since is stale.")
    _catalog_option(tr)
    tr.add_argument("--stale", action="store_true", help="list only the stale texts")
    tr.add_argument("--stamp", action="store_true",
                    help="record the named texts (or --all) as reviewed: their English and Chinese now agree")
    tr.add_argument("--all", action="store_true", help="with --stamp: every text in the catalog")
    tr.add_argument("selectors", nargs="*", metavar="ID",
                    help="with --stamp: an entry id, ROADMAP/NODE, or a key such as resources/ID/summary")
    tr.add_argument("--json", action="store_true", help="print a JSON report")
    tr.set_defaults(func=cmd_translations)


# ------------------------------------------------------------------ roadmap new

def _values(args: argparse.Namespace, fields: tuple[Field, ...]) -> dict[str, object]:
    values: dict[str, object] = {}
    for f in fields:
        value = getattr(args, f.name)
        if f.many and value and f.name in _SPLIT_ON_COMMAS:
            value = [part.strip() for item in value for part in item.split(",") if part.strip()]
        values[f.name] = value
    return values


def _missing(kind: str, fields: tuple[Field, ...], values: dict[str, object]) -> list[str]:
    from .prompts import missing_required

    flags = [f.flag for f in missing_required(fields, values)]
    if kind == "notebook" and not any(values.get(n) for n in ("colab_url", "article_url", "path")):
        flags.append("--colab-url or --article-url")
    return flags


def _url_validator(result, kind: str | None):
    from pydantic import TypeAdapter, ValidationError

    from ..models import Url
    from .scaffold import existing_url

    def check(answer: str) -> str | None:
        try:
            TypeAdapter(Url).validate_python(answer)
        except ValidationError as exc:
            return "; ".join(str(e.get("ctx", {}).get("error", e["msg"])) for e in exc.errors())
        found = existing_url(result, answer, kind) if kind else None
        if found:
            return f"already in the catalog as '{found[0]}' ({found[1]}:{found[2]}) / 该链接已收录"
        return None

    return check


def cmd_new(args: argparse.Namespace) -> int:
    from ..cli import UsageError, _catalog_dir, _print_problems, load_checked
    from . import new, prompts

    kind, fields = args.new_kind, args.new_fields
    root = _catalog_dir(args)
    catalog, result = load_checked(args)
    values = _values(args, fields)
    missing = _missing(kind, fields, values)
    if missing:
        if args.no_input or not prompts.interactive():
            raise UsageError(f"missing required option(s) for `roadmap new {kind}`: {', '.join(missing)}\n"
                             f"  Run it in a terminal to be asked for them, or see `roadmap new {kind} --help`.")
        print(f"Adding a {kind} to {root}. Ctrl-C stops without changing anything.\n"
              f"正在向 {root} 添加条目，按 Ctrl-C 可随时退出，不会改动任何文件。")
        validators = {"url": _url_validator(result, "resources"), "colab_url": _url_validator(result, "notebooks"),
                      "article_url": _url_validator(result, None)}
        values = prompts.fill(fields, values, prompts.Context.from_catalog(catalog), prompts.QuestionaryAsker(),
                              validators)
        still = _missing(kind, fields, values)
        if still:
            raise UsageError(f"missing required option(s): {', '.join(still)}")
    try:
        plan = new.plan_entry(kind, values, root, result)
    except new.InvalidAnswers as invalid:
        raise UsageError("the entry is not valid:\n" + "\n".join(f"  {flag}: {msg}" for flag, msg in
                                                                    invalid.problems)) from None
    except new.ScaffoldError as refused:
        print(f"roadmap new: refused: {refused}", file=sys.stderr)
        return 1
    outcome = new.apply(plan, root)
    if outcome.errors:
        _print_problems(outcome.errors, sys.stderr)
        print("✗ adding it would make the catalog invalid (errors above), so nothing was changed",
              file=sys.stderr)
        return 1
    for line in outcome.done:
        print(f"✓ {line}")
    for note in outcome.notes:
        print(f"! {note}")
    counts = outcome.counts
    print(f"✓ catalog is valid: {counts['roadmaps']} roadmaps, {counts['topics']} topics, {counts['resources']} "
          f"resources, {counts['notebooks']} notebooks" + (f" ({outcome.warnings} warning(s))" if outcome.warnings
                                                           else ""))
    print("Next: review the change with `git diff`, run `make test`, then commit and open a pull request.")
    return 0


# ------------------------------------------------------------------ roadmap changed

def cmd_changed(args: argparse.Namespace) -> int:
    from ..cli import UsageError, _catalog_dir
    from .changed import ChangedError, changes_since, format_text

    try:
        report = changes_since(_catalog_dir(args), args.since, merge_base=not args.no_merge_base)
    except ChangedError as exc:
        raise UsageError(str(exc)) from None
    if report.errors:
        print(f"note: the catalog has {report.errors} error(s); entries that fail validation are left out "
              "(run `roadmap validate`)", file=sys.stderr)
    if args.urls_only:
        sys.stdout.write("".join(f"{url}\n" for url in report.urls))
    elif args.json:
        print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    else:
        sys.stdout.write(format_text(report))
    return 0


# ------------------------------------------------------------------ roadmap translations

def _stale_line(status) -> str:
    side = status.state.stale_side
    other = "English" if side == "zh" else "Chinese"
    return f"{status.ref.where(side)}: {side} is stale: the {other} changed since it was checked  [{status.ref.key}]"


def cmd_translations(args: argparse.Namespace) -> int:
    from ..cli import UsageError, _catalog_dir, load_checked
    from ..errors import display_path
    from ..fsutil import write_text_atomic
    from . import translations as tr

    root = _catalog_dir(args)
    if (args.selectors or args.all) and not args.stamp:
        raise UsageError("ids and --all only go with --stamp, e.g. "
                         "`roadmap translations --stamp illustrated-transformer`")
    catalog, result = load_checked(args)
    lock = tr.read_lock(root)  # check_catalog has already reported a damaged lock as an error
    statuses = tr.statuses(result, lock)
    if args.stamp:
        if not args.selectors and not args.all:
            raise UsageError("name the texts to stamp (an entry id, ROADMAP/NODE or a key), or pass --all")
        refs = [s.ref for s in statuses]
        if args.all:
            chosen = refs
        else:
            chosen, unknown = tr.select(refs, args.selectors)
            if unknown:
                raise UsageError(f"no text matches: {', '.join(unknown)} (try an entry id such as "
                                 "illustrated-transformer, a node as ROADMAP/NODE, or a key from "
                                 f"{tr.LOCK_NAME})")
        new_lock = tr.stamp(lock, chosen, known_keys={ref.key for ref in refs})
        write_text_atomic(tr.lock_path(root), tr.render_lock(new_lock))
        changed = sum(1 for ref in chosen if lock.get(ref.key) != ref.hashes())
        print(f"✓ stamped {len(chosen)} text(s) ({changed} new or changed) in {display_path(tr.lock_path(root))}")
        return 0
    stale = [s for s in statuses if s.state.stale_side]
    if args.json:
        shown = stale if args.stale else [s for s in statuses if s.state != tr.State.REVIEWED]
        print(json.dumps({
            "counts": {state.value: sum(1 for s in statuses if s.state == state) for state in tr.State},
            "orphaned": tr.orphans(result, lock),
            "texts": [{"key": s.ref.key, "state": s.state.value, "stale": s.state.stale_side,
                       "path": s.ref.entry.path,
                       "line": s.ref.entry.position(*s.ref.sub, s.state.stale_side or "en")[0]}
                      for s in shown]}, ensure_ascii=False, indent=2))
        return 0
    for status in stale:
        print(_stale_line(status))
    if args.stale:
        if not stale:
            print("No stale translations.")
        return 0
    both = [s for s in statuses if s.state == tr.State.BOTH_CHANGED]
    for status in both:
        print(f"{status.ref.where()}: both sides changed since last checked; re-stamp once they agree  "
              f"[{status.ref.key}]")
    unreviewed = sum(1 for s in statuses if s.state == tr.State.UNREVIEWED)
    orphaned = tr.orphans(result, lock)
    print(f"{len(statuses)} texts: {len(statuses) - len(stale) - len(both) - unreviewed} reviewed, {len(stale)} stale, "
          f"{len(both)} changed on both sides, {unreviewed} never reviewed; {len(orphaned)} lock entries for texts "
          "that no longer exist")
    if stale or both or unreviewed or orphaned:
        print("Once both languages of a text say the same thing, record it with `roadmap translations --stamp ID` "
              "(stamping also drops lock entries of removed texts).")
    return 0
