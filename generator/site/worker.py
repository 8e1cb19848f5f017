"""One MkDocs build, run in its own process by `build.py` (the two languages build in parallel):

    python -m generator.site.worker CONFIG DOCS_DIR SITE_DIR NAV_JSON [BLOCKS_JSON]

BLOCKS_JSON holds the resource lists that `build.py` took out of very large pages ({page: [html, ...]}); a small
plugin, added here rather than in mkdocs.yml, puts them back into each page's HTML before the search plugin
indexes it, so Python-Markdown never parses them.

Strict: any warning, including one raised while loading the config, fails the build (exit 1). Only warnings and
errors are printed.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from pathlib import Path


class _Counter(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


PLACEHOLDER = re.compile(r'<div class="rm-block" data-rm-block="(\d+)"></div>')


def blocks_plugin(blocks: dict[str, list[str]]):
    from mkdocs.exceptions import PluginError
    from mkdocs.plugins import BasePlugin

    class Blocks(BasePlugin):
        def on_page_content(self, html, page, config, files):
            items = blocks.get(page.file.src_uri)
            if not items:
                return html
            used: set[int] = set()

            def put_back(match: re.Match[str]) -> str:
                used.add(int(match.group(1)))
                return items[int(match.group(1))]

            html = PLACEHOLDER.sub(put_back, html)
            if used != set(range(len(items))):
                raise PluginError(f"{page.file.src_uri}: {len(items) - len(used)} resource list(s) went missing")
            return html

    return Blocks()


def run(config_file: str, docs_dir: str, site_dir: str, nav_file: str, blocks_file: str | None = None) -> int:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s - %(message)s"))
    handler.setLevel(logging.WARNING)
    counter = _Counter()
    mkdocs_log = logging.getLogger("mkdocs")
    mkdocs_log.setLevel(logging.INFO)
    mkdocs_log.addHandler(handler)
    mkdocs_log.addHandler(counter)
    try:  # Material's search plugin segments Chinese with jieba; keep its start-up chatter out of the output
        import jieba

        jieba.setLogLevel(logging.WARNING)
    except ImportError:  # pragma: no cover - the Chinese build then fails its search test, loudly
        print("WARNING - jieba is not importable: Chinese search will find nothing", file=sys.stderr)
        counter.count += 1

    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    nav = json.loads(Path(nav_file).read_text(encoding="utf-8"))
    try:
        config = load_config(config_file=config_file, docs_dir=docs_dir, site_dir=site_dir, nav=nav, strict=True)
        blocks = json.loads(Path(blocks_file).read_text(encoding="utf-8")) if blocks_file else {}
        if blocks:
            config.plugins["roadmap-blocks"] = blocks_plugin(blocks)
        if counter.count:
            print(f"ERROR - {counter.count} warning(s) while loading {config_file} (strict mode)", file=sys.stderr)
            return 1
        build(config)
    except MkDocsException as exc:
        print(f"ERROR - {exc}", file=sys.stderr)
        return 1
    return 1 if counter.count else 0


if __name__ == "__main__":
    if len(sys.argv) not in (5, 6):
        sys.exit(__doc__)
    sys.exit(run(*sys.argv[1:]))
