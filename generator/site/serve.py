"""`roadmap serve`: build, serve the built site with a threaded stdlib HTTP server, and rebuild when the catalog, the
site sources, the templates or the MkDocs configs change. A failed rebuild (e.g. a catalog being edited) prints its
errors and keeps serving the previous site. Ctrl-C stops everything."""

from __future__ import annotations

import functools
import signal
import sys
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from .build import CONFIGS, BuildError, build_site, project_root

TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "site"


class SiteHandler(SimpleHTTPRequestHandler):
    """Serves files without caching (so a reload shows the rebuilt site) and logs only errors."""

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        if str(getattr(code, "value", code)).startswith(("4", "5")):
            super().log_request(code, size)


def make_server(directory: Path, host: str = "127.0.0.1", port: int = 8000) -> ThreadingHTTPServer:
    handler = functools.partial(SiteHandler, directory=str(directory))
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server


def rebuild(catalog_dir: Path, output: Path | None) -> bool:
    """Load the catalog and build the site; print what went wrong and return False on failure."""
    from ..loader import check_catalog

    started = time.perf_counter()
    catalog, result = check_catalog(catalog_dir)
    if catalog is None:
        for problem in result.errors[:20]:
            print(problem, file=sys.stderr)
        more = len(result.errors) - 20
        print(("" if more <= 0 else f"… and {more} more\n")
              + f"✗ the catalog has {len(result.errors)} error(s); still serving the previous build", file=sys.stderr)
        return False
    try:
        built = build_site(catalog, catalog_dir=catalog_dir, output=output)
    except BuildError as exc:
        print(f"✗ {exc}\n  still serving the previous build", file=sys.stderr)
        return False
    except Exception as exc:  # noqa: BLE001 - keep serving whatever happens in a rebuild (e.g. the search index)
        print(f"✗ rebuild failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return False
    for warning in built.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if built.search_error:
        print(f"warning: search index not built: {built.search_error}", file=sys.stderr)
    print(f"✓ rebuilt in {time.perf_counter() - started:.1f} s", flush=True)
    return True


def watched_paths(catalog_dir: Path, root: Path) -> list[Path]:
    paths = [catalog_dir, root / "site", TEMPLATES, *(root / name for name in CONFIGS.values())]
    return [path for path in paths if path.exists()]


SOURCE_SUFFIXES = (".yaml", ".yml", ".json", ".md", ".html", ".css", ".js", ".j2", ".svg")


def _watch(catalog_dir: Path, root: Path, output: Path | None, stop: threading.Event,
           ready: threading.Event) -> None:
    import watchfiles

    class Sources(watchfiles.DefaultFilter):
        """Source files only: editors' and sed's temporary files do not trigger a rebuild."""

        def __call__(self, change, path: str) -> bool:
            return super().__call__(change, path) and path.endswith(SOURCE_SUFFIXES)

    for changes in watchfiles.watch(*watched_paths(catalog_dir, root), watch_filter=Sources(), stop_event=stop,
                                    debounce=400, raise_interrupt=False, rust_timeout=300,
                                    yield_on_timeout=True):
        if not changes:  # a quiet period: the watcher is up
            ready.set()
            continue
        names = sorted({Path(path).name for _, path in changes})
        print(f"changed: {', '.join(names[:5])}{' …' if len(names) > 5 else ''}; rebuilding", flush=True)
        rebuild(catalog_dir, output)


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def serve(catalog_dir: Path, host: str = "127.0.0.1", port: int = 8000, watch: bool = True,
          output: Path | None = None) -> int:
    root = project_root()
    site = Path(output or root / "build" / "site").resolve()
    if not rebuild(catalog_dir, site):
        if not (site / "index.html").is_file():
            return 1
        print(f"serving the previous build in {site}", file=sys.stderr)
    try:
        server = make_server(site, host, port)
    except OSError as exc:
        print(f"✗ cannot listen on {host}:{port}: {exc.strerror or exc} (try --port)", file=sys.stderr)
        return 1
    stop, ready = threading.Event(), threading.Event()
    watcher = None
    if watch:
        watcher = threading.Thread(target=_watch, args=(catalog_dir, root, site, stop, ready), daemon=True)
        watcher.start()
        ready.wait(timeout=10)  # say "serving" only once a change would be seen
    shown = "127.0.0.1" if host in ("", "0.0.0.0") else host
    print(f"serving http://{shown}:{port}/ (中文: http://{shown}:{port}/zh/)"
          + ("; rebuilding when the catalog or site/ changes" if watch else "") + "; Ctrl-C to stop", flush=True)
    previous = signal.signal(signal.SIGTERM, _interrupt)  # `kill` stops it as cleanly as Ctrl-C
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("\nstopped", file=sys.stderr)
    finally:
        signal.signal(signal.SIGTERM, previous)
        stop.set()
        server.server_close()
        if watcher is not None:
            watcher.join(timeout=2)
    return 0
