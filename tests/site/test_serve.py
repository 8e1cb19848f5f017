"""`roadmap serve` as a user runs it: build, serve on 127.0.0.1, rebuild on a catalog change, keep serving the
previous site while the catalog is invalid, stop cleanly on Ctrl-C."""

from __future__ import annotations

import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from ..conftest import REPO


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - a local test server
        return response.read().decode("utf-8")


class Lines:
    """The process's output, line by line, with a timeout."""

    def __init__(self, proc: subprocess.Popen[str]):
        self.queue: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        self.thread = threading.Thread(target=self._read, args=(proc,), daemon=True)
        self.thread.start()

    def _read(self, proc) -> None:
        for line in proc.stdout:
            self.queue.put(line)

    def wait_for(self, text: str, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.queue.get(timeout=0.5)
            except queue.Empty:
                continue
            self.seen.append(line)
            if text in line:
                return
        raise AssertionError(f"no {text!r} in the output:\n{''.join(self.seen)}")


def test_serve_builds_serves_rebuilds_and_stops(mini_catalog: Path, tmp_path: Path):
    port = free_port()
    env = {key: value for key, value in os.environ.items() if key != "GITHUB_ACTIONS"}
    env["PYTHONUNBUFFERED"] = "1"
    proc = subprocess.Popen(
        [sys.executable, "-m", "generator", "serve", "--catalog", str(mini_catalog), "--port", str(port),
         "--output", str(tmp_path / "build" / "site")],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, encoding="utf-8")
    out = Lines(proc)
    try:
        out.wait_for(f"serving http://127.0.0.1:{port}/")
        base = f"http://127.0.0.1:{port}/"
        assert "Demo roadmap" in get(base + "roadmaps/demo/")
        assert "示例路线图" in get(base + "zh/roadmaps/demo/")

        road = mini_catalog / "roadmaps" / "demo.yaml"
        text = road.read_text(encoding="utf-8")
        road.write_text(text.replace("requires: [architecture]", "requires: [nope]"), encoding="utf-8")
        out.wait_for("still serving the previous build")
        assert "Demo roadmap" in get(base + "roadmaps/demo/")

        road.write_text(text.replace("Start here.", "Start right here."), encoding="utf-8")
        out.wait_for("✓ rebuilt")
        assert "Start right here." in get(base + "roadmaps/demo/")
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            code = proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
        finally:
            out.thread.join(timeout=5)
            proc.stdout.close()
    assert code == 0
