"""A real HTTP server on loopback addresses (127.0.0.2 and 127.0.0.3; TLS on 127.0.0.4) with
link-checker scenarios. It records every request (`log`, `spans`, `hits`) for the assertions.

Paths (every `<id>` is free text, so each test uses its own and shares the server safely):
  /ok/<id>  /status/<code>/<id>  /flaky503/<id>  /always503/<id>  /retry-after/<s>/<id>
  /busy/<id> (429 + Retry-After: 1 while more than 2 /busy requests are in flight)
  /redir/<c1-c2-..>/<id>[?to=HOST:PORT]  /loop/<id>/a  /redir404/<id>  /home/<id> (301 to /)
  /to/<id>?url=URL (302 anywhere)  /cookie/<id> (302 to itself with Set-Cookie, then 200)
  /hang/<id>  /reset/<id>  /flakyreset/<id>  /slow/<ms>/<id>  /huge/<id>  /bigfrag/<id>
  /frag/<id>  /gzfrag/<id>  /gh/<id>  /pdf/<id>  /bomb/<id>  /soft404/<id>  /uablock/<id>
  /forbidden/<id>  /li999/<id>  /cf/<id>
"""

from __future__ import annotations

import gzip
import shutil
import socket
import ssl
import struct
import subprocess
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

PAGE = b"<!doctype html><html><head><title>%s</title></head><body><p>content</p>%s</body></html>"
FRAG_BODY = b"<h2 id='intro'>Intro</h2><h2 id=\"usage\">Usage</h2><a name=legacy></a>"


def page(title: str, body: bytes = b"") -> bytes:
    return PAGE % (title.encode(), body)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: ScenarioServer

    def log_message(self, *args: object) -> None:
        pass

    def setup(self) -> None:
        super().setup()
        with self.server.lock:
            self.server.connections += 1

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        srv = self.server
        path = urlsplit(self.path).path
        started = time.monotonic()
        with srv.lock:
            srv.hits[path] += 1
            hits = srv.hits[path]
            srv.log.append((started, self.command, path, dict(self.headers)))
        try:
            self.route(path, hits)
        except (BrokenPipeError, ConnectionResetError, OSError):
            self.close_connection = True
        finally:
            with srv.lock:
                srv.spans.append((started, time.monotonic(), path))

    def send(self, code: int, body: bytes = b"", ctype: str = "text/html; charset=utf-8", headers=()) -> None:
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        for key, value in headers:
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def reset(self) -> None:
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.connection.close()

    def route(self, path: str, hits: int) -> None:  # noqa: C901 - one branch per scenario
        seg = [s for s in path.split("/") if s]
        kind = seg[0] if seg else ""
        query = parse_qs(urlsplit(self.path).query)
        ok = page("Item")
        if kind == "ok":
            self.send(200, ok)
        elif kind == "status":
            self.send(int(seg[1]), page(f"Error {seg[1]}"))
        elif kind == "flaky503":
            self.send(503, page("busy")) if hits == 1 else self.send(200, ok)
        elif kind == "always503":
            self.send(503, page("busy"))
        elif kind == "retry-after":
            if hits == 1:
                self.send(429, page("slow down"), headers=[("Retry-After", seg[1])])
            else:
                self.send(200, ok)
        elif kind == "busy":
            with self.server.lock:
                crowded = self.server.busy >= 2
                self.server.busy += 1
            try:
                if crowded:
                    with self.server.lock:
                        self.server.served_429 += 1
                    self.send(429, page("too many"), headers=[("Retry-After", "1")])
                else:
                    time.sleep(0.15)
                    self.send(200, ok)
            finally:
                with self.server.lock:
                    self.server.busy -= 1
        elif kind == "redir":
            codes = seg[1].split("-")
            rest = "-".join(codes[1:])
            to = query.get("to", [None])[0]
            if rest:
                location = f"/redir/{rest}/{seg[2]}" + (f"?to={to}" if to else "")
            else:
                location = f"http://{to}/ok/{seg[2]}" if to else f"/ok/{seg[2]}"
            self.send(int(codes[0]), headers=[("Location", location)])
        elif kind == "loop":
            self.send(302, headers=[("Location", f"/loop/{seg[1]}/{'b' if seg[2] == 'a' else 'a'}")])
        elif kind == "redir404":
            self.send(301, headers=[("Location", f"/status/404/{seg[1]}")])
        elif kind == "home":
            self.send(301, headers=[("Location", "/")])
        elif kind == "" or kind == "index":
            self.send(200, page("Home"))
        elif kind == "to":  # /to/<url-quoted target>: a redirect anywhere
            self.send(302, headers=[("Location", query["url"][0])])
        elif kind == "cookie":  # a consent wall: set a cookie and come back to the same URL
            if "seen=1" in self.headers.get("Cookie", ""):
                self.send(200, ok)
            else:
                self.send(302, headers=[("Location", path), ("Set-Cookie", "seen=1; Path=/")])
        elif kind == "hang":
            self.server.stop.wait(30)
            self.close_connection = True
        elif kind == "reset":
            self.reset()
        elif kind == "flakyreset":
            self.reset() if hits == 1 else self.send(200, ok)
        elif kind == "slow":
            time.sleep(int(seg[1]) / 1000)
            self.send(200, ok)
        elif kind in ("huge", "bigfrag"):
            size = 50 * 1024 * 1024
            self.send_response(200)
            self.send_header("Content-Type", "text/html" if kind == "bigfrag" else "application/octet-stream")
            self.send_header("Content-Length", str(size))
            self.end_headers()
            if kind == "bigfrag":
                self.wfile.write(page("Big", FRAG_BODY)[:-14])
            chunk = b"x" * 65536
            for _ in range(size // len(chunk)):
                if self.server.stop.is_set():
                    break
                self.wfile.write(chunk)
                with self.server.lock:
                    self.server.sent[path] += len(chunk)
                time.sleep(0.01)
        elif kind == "frag":
            self.send(200, page("Fragments", FRAG_BODY))
        elif kind == "gzfrag":
            self.send(200, gzip.compress(page("Zipped", FRAG_BODY)), headers=[("Content-Encoding", "gzip")])
        elif kind == "gh":
            self.send(200, page("Repo", b"<h2 id='user-content-installation'>Installation</h2>"))
        elif kind == "pdf":
            self.send(200, b"%PDF-1.4 ...", ctype="application/pdf")
        elif kind == "bomb":
            self.send(200, bomb(), headers=[("Content-Encoding", "gzip")])
        elif kind == "soft404":
            self.send(200, page("Page not found"))
        elif kind == "uablock":
            agent = self.headers.get("User-Agent", "")
            self.send(200, ok) if "Mozilla" in agent else self.send(403, page("bots go away"))
        elif kind == "forbidden":
            self.send(403, page("Forbidden"))
        elif kind == "li999":
            self.send(999, page("denied"))
        elif kind == "cf":
            self.send(403, page("Just a moment..."), headers=[("cf-mitigated", "challenge"), ("Server", "cloudflare")])
        else:
            self.send(404, page("Not here"))


_BOMB: list[bytes] = []


def bomb() -> bytes:
    """64 MiB of zeros behind a tiny HTML head, gzipped to about 64 KiB."""
    if not _BOMB:
        _BOMB.append(gzip.compress(b"<html><title>x</title>" + bytes(64 * 1024 * 1024), compresslevel=9))
    return _BOMB[0]


def peak_concurrency(spans: list[tuple[float, float, str]], marker: str) -> int:
    """The most requests whose path contains `marker` that the servers handled at once."""
    events = sorted([(start, 1) for start, _, path in spans if marker in path]
                    + [(end, -1) for _, end, path in spans if marker in path])
    peak = current = 0
    for _, step in events:
        current += step
        peak = max(peak, current)
    return peak


class ScenarioServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, host: str):
        super().__init__((host, 0), Handler)
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.hits: Counter[str] = Counter()
        self.sent: Counter[str] = Counter()
        self.log: list[tuple[float, str, str, dict]] = []
        self.spans: list[tuple[float, float, str]] = []  # (start, end, path) of every answered request
        self.connections = self.busy = self.served_429 = 0

    @property
    def host(self) -> str:
        return f"{self.server_address[0]}:{self.server_address[1]}"

    def url(self, path: str) -> str:
        return f"http://{self.host}{path}"

    def handle_error(self, request, client_address) -> None:
        pass  # resets and hung sockets are the point

    def reset_stats(self) -> None:
        with self.lock:
            self.connections = self.served_429 = 0
            self.log.clear()


def _start(host: str) -> ScenarioServer:
    server = ScenarioServer(host)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    server.thread = thread  # type: ignore[attr-defined]
    return server


@pytest.fixture(scope="session")
def servers():
    pair = [_start("127.0.0.2"), _start("127.0.0.3")]
    yield pair
    for server in pair:
        server.stop.set()
        server.shutdown()
        server.server_close()
        server.thread.join(5)  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def tls_server(tmp_path_factory):
    """The scenario server behind TLS on 127.0.0.4, with a self-signed certificate for `tls.test`."""
    from tests.conftest import require

    require(shutil.which("openssl") is not None, "openssl is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=tls.test",
                    "-addext", "subjectAltName=DNS:tls.test"], check=True, capture_output=True)
    server = ScenarioServer("127.0.0.4")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server, cert
    server.stop.set()
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.fixture
def web(servers) -> ScenarioServer:
    servers[0].reset_stats()
    servers[1].reset_stats()
    return servers[0]


@pytest.fixture
def web2(servers) -> ScenarioServer:
    return servers[1]


@pytest.fixture
def refused_url() -> str:
    """A URL on 127.0.0.2 where nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.2", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.2:{port}/ok/nobody"
