"""Build the whole site: render both page trees, run both MkDocs builds under --strict, swap the result in.

    build/docs-en, build/docs-zh   generated Markdown + hand-written pages + assets (inputs to MkDocs)
    build/.site-XXXX/              the new site, built next to the output so the final rename is atomic
    build/site/                    the English site, with the Chinese one in build/site/zh/

English and Chinese build in parallel in two processes, each into its own directory; the Chinese site is then moved
into `zh/`. The output is replaced only when both builds succeed, so a failed build leaves the previous site
untouched.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from ..fsutil import write_text_atomic
from ..models import Catalog
from .i18n import LANGS
from .status import read_json

PACKAGE_ROOT = Path(__file__).resolve().parent.parent.parent
CONFIGS = {"en": "mkdocs.yml", "zh": "mkdocs.zh.yml"}


# Pages larger than this have their resource lists taken out of the Markdown and put back into the HTML by the
# worker (see worker.py): Python-Markdown's raw-HTML parsing is what makes very large catalogs slow to build. The
# real catalog's pages stay well below it, so they remain plain Markdown that `mkdocs build` (or Zensical) reads.
BIG_PAGE = 1_000_000
_RESOURCE_LIST = re.compile(r'^<ul class="rm-resources[^\n]*\n.*?^</ul>$', re.S | re.M)
BLOCK = '<div class="rm-block" data-rm-block="{}"></div>'


class BuildError(Exception):
    """The site could not be built; the previous output is untouched. The message carries MkDocs' own output."""


@dataclass
class BuildResult:
    output: Path
    pages: dict[str, int]
    timings: dict[str, float] = field(default_factory=dict)
    search_index: Path | None = None
    warnings: list[str] = field(default_factory=list)
    search_error: str | None = None  # the site was built, but the `roadmap search` index was not


def project_root() -> Path:
    """The directory holding mkdocs.yml and site/: the current directory if it has them, else this checkout."""
    here = Path.cwd()
    return here if (here / "mkdocs.yml").is_file() and (here / "site").is_dir() else PACKAGE_ROOT


def _repository(root: Path) -> str | None:
    import yaml

    try:
        config = yaml.safe_load((root / "mkdocs.yml").read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return None
    value = (config.get("extra") or {}).get("repository")
    return value if isinstance(value, str) and value.startswith("https://") else None


def static_pages(root: Path, lang: str) -> dict[str, str]:
    base = root / "site" / "pages" / lang
    return {path.relative_to(base).as_posix(): path.read_text(encoding="utf-8")
            for path in sorted(base.rglob("*.md"))} if base.is_dir() else {}


def take_out_big_lists(pages: dict[str, str], limit: int | None = None) -> dict[str, list[str]]:
    """Replace the resource lists of pages over `limit` characters by placeholders; return {page: [lists]}."""
    limit = BIG_PAGE if limit is None else limit
    blocks: dict[str, list[str]] = {}
    for name, text in pages.items():
        if name.endswith(".md") and len(text) > limit:
            found: list[str] = []

            def stash(match: re.Match[str], found: list[str] = found) -> str:
                found.append(match.group(0))
                return BLOCK.format(len(found) - 1)

            pages[name] = _RESOURCE_LIST.sub(stash, text)
            if found:
                blocks[name] = found
    return blocks


def write_tree(target: Path, files: dict[str, str], assets: Path, extra_files: dict[str, Path]) -> None:
    """Replace `target` with the given files, the site assets and copied files (e.g. our notebooks)."""
    if target.exists():
        shutil.rmtree(target)
    for name, text in files.items():
        path = target / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
    if assets.is_dir():
        shutil.copytree(assets, target / "assets", dirs_exist_ok=True)
    for name, source in extra_files.items():
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target / name)


def swap_in(new: Path, output: Path) -> None:
    """Replace `output` by `new` (same file system): two renames, and the old tree is restored if the second fails."""
    old = None
    if output.exists():
        old = output.with_name(f".{output.name}-old-{uuid.uuid4().hex[:8]}")
        os.rename(output, old)
    try:
        os.rename(new, output)
    except OSError:
        if old is not None:
            os.rename(old, output)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _mkdocs(root: Path, lang: str, docs: Path, site: Path, nav_file: Path, blocks_file: Path,
            log: Path) -> subprocess.Popen[bytes]:
    """Start one MkDocs build in its own process (the worker imports this very package); output goes to `log`."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PACKAGE_ROOT), env.get("PYTHONPATH")]))
    with open(log, "wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "generator.site.worker", str(root / CONFIGS[lang]), str(docs), str(site),
             str(nav_file), str(blocks_file)],
            cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT)


def build_search_index(catalog: Catalog, catalog_dir: Path | None, index_dir: Path) -> Path | None:
    """The `roadmap search` index; rebuilt only when the catalog changed (when its directory is known)."""
    from ..search.index import build_index, ensure_index

    if catalog_dir is not None:
        return ensure_index(Path(catalog_dir), index_dir, lambda: catalog)[0]
    return build_index(catalog, index_dir)


def build_site(
    catalog: Catalog,
    *,
    catalog_dir: Path | None = None,
    output: Path | None = None,
    root: Path | None = None,
    notebook_results: Path | None = None,
    search_index: bool = True,
) -> BuildResult:
    """Build both sites into `output` (default: ROOT/build/site). Raises `BuildError` and leaves `output` as it
    was when anything fails."""
    from .render import Renderer, SiteInputs

    started = time.perf_counter()
    root = Path(root or project_root()).resolve()
    output = Path(output or root / "build" / "site").resolve()
    work = output.parent
    work.mkdir(parents=True, exist_ok=True)
    link_status = read_json(Path(catalog_dir) / "link-status.json") if catalog_dir else None
    results = read_json(notebook_results or root / "build" / "notebook-results.json")
    repository = _repository(root)
    warnings: list[str] = []
    notebook_files: dict[str, Path] = {}
    for notebook in catalog.notebooks:
        if notebook.path:
            source = root / notebook.path
            if source.is_file():
                notebook_files[notebook.path] = source
            else:
                warnings.append(f"notebook {notebook.id}: {notebook.path} not found; its download link will be dead")

    timings: dict[str, float] = {}
    page_counts: dict[str, int] = {}
    navs: dict[str, Path] = {}
    for lang in LANGS:
        inputs = SiteInputs(link_status=link_status, notebook_results=results, repository=repository,
                            static_pages=static_pages(root, lang))
        renderer = Renderer(catalog, lang, inputs)
        pages = renderer.pages()
        page_counts[lang] = sum(1 for name in pages if name.endswith(".md"))
        blocks = take_out_big_lists(pages)
        write_tree(work / f"docs-{lang}", pages, root / "site" / "assets", notebook_files)
        navs[lang] = work / f".nav-{lang}.json"
        write_text_atomic(navs[lang], json.dumps(renderer.nav(), ensure_ascii=False))
        write_text_atomic(work / f".blocks-{lang}.json", json.dumps(blocks, ensure_ascii=False))
    timings["render"] = time.perf_counter() - started

    tmp = Path(tempfile.mkdtemp(prefix=f".{output.name}-", dir=work))
    index_dir = None
    search_error = None
    try:
        mark = time.perf_counter()
        sites = {"en": tmp / "site", "zh": tmp / "site-zh"}
        logs = {lang: tmp / f"mkdocs-{lang}.log" for lang in LANGS}
        procs = {lang: _mkdocs(root, lang, work / f"docs-{lang}", sites[lang], navs[lang],
                               work / f".blocks-{lang}.json", logs[lang]) for lang in LANGS}
        try:
            if search_index:  # meanwhile, in this process; a broken index must not stop the site
                index_started = time.perf_counter()
                try:
                    index_dir = build_search_index(catalog, catalog_dir, work / "search-index")
                except Exception as exc:  # noqa: BLE001 - reported, and `roadmap build` exits 1
                    search_error = f"{type(exc).__name__}: {exc}"
                if index_dir is not None:
                    timings["search index"] = time.perf_counter() - index_started
        finally:
            for proc in procs.values():
                proc.wait()
        timings["mkdocs"] = time.perf_counter() - mark
        outputs = {lang: logs[lang].read_text(encoding="utf-8", errors="replace") for lang in LANGS}
        failed = [lang for lang, proc in procs.items() if proc.returncode != 0]
        for lang, text in outputs.items():
            warnings.extend(f"[{lang}] {line}" for line in text.splitlines()
                            if line.startswith(("WARNING", "ERROR")) and lang not in failed)
        if failed:
            details = "\n".join(f"--- MkDocs ({lang}) ---\n{outputs[lang].strip()}" for lang in failed)
            raise BuildError(f"MkDocs build failed for {', '.join(failed)}; {output} is unchanged.\n{details}")
        os.rename(sites["zh"], sites["en"] / "zh")
        swap_in(sites["en"], output)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    timings["total"] = time.perf_counter() - started
    return BuildResult(output, page_counts, timings, index_dir, warnings, search_error)

