"""The link checker: catalog (or file) -> unique URLs -> async checks -> `LinkResult`s -> reports,
the result cache, and the committed link-status file the site reads (`link_health`).

    extract.py   URLs and where they appear         select.py    catalog/file, --changed-since, --shard
    checker.py   the async engine                   options.py   CheckOptions
    fetch.py     one HTTP attempt                   body.py      fragments, soft-404 titles, bombs
    classify.py  what happened -> a Status          status.py    Status, LinkResult
    net.py       DNS, private-address guard         hosts.py     per-host gates, network watch
    client.py    per-host httpx pools               stream.py    asyncio network stream for httpcore
    cache.py     append-only result cache           health.py    link-status file, link_health
    report.py    text / json / jsonl / markdown     fix_redirects.py   YAML rewrite
    command.py   `roadmap check-links` (configure, run)
"""

from .extract import Target, from_catalog, from_file
from .health import LinkHealth, link_health
from .status import LinkResult, Status

_LAZY = {"CheckOptions", "check", "check_async"}  # the engine imports httpx: only when used


def __getattr__(name: str):
    if name in _LAZY:
        from . import checker

        return getattr(checker, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = [
    "CheckOptions",
    "LinkHealth",
    "LinkResult",
    "Status",
    "Target",
    "check",
    "check_async",
    "from_catalog",
    "from_file",
    "link_health",
]
