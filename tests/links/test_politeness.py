"""Rate limits, Retry-After, per-host and global limits."""

from __future__ import annotations

import time

import pytest

from generator.links import Status

from .conftest import peak_concurrency
from .util import run_check


def test_retry_after_is_honoured_for_the_whole_host(web):
    first = web.url("/retry-after/1/p1")
    others = [web.url(f"/ok/p1-{i}") for i in range(4)]
    got = run_check([first, *others], per_host=1)
    assert all(r.status is Status.OK for r in got.values())
    times = {path: t for t, _, path, _ in web.log}
    throttled_at = min(t for t, _, path, _ in web.log if path == "/retry-after/1/p1")
    later = [t for t, _, path, _ in web.log if path != "/retry-after/1/p1" or t > throttled_at]
    assert all(t - throttled_at >= 0.95 for t in later)  # nothing on that host during the pause
    assert times["/retry-after/1/p1"] - throttled_at >= 0.95


def test_retry_after_beyond_the_cap_is_unknown_at_once(web):
    url = web.url("/retry-after/3600/p2")
    started = time.monotonic()
    got = run_check([url])[url]
    assert got.status is Status.UNKNOWN and "cap" in got.reason and got.http_status == 429
    assert web.hits["/retry-after/3600/p2"] == 1
    assert time.monotonic() - started < 2


@pytest.mark.slow
def test_adaptive_backoff_on_429(web):
    urls = [web.url(f"/busy/p3-{i}") for i in range(16)]
    got = run_check(urls, per_host=4)
    assert all(r.status is Status.OK for r in got.values()), [r.reason for r in got.values()]
    # 4 at once is too many for this server: a few 429s, then the limit halves and stays down
    assert 1 <= web.served_429 <= 4


def test_per_host_limit(web, web2):
    urls = [web.url(f"/slow/150/q1-{i}") for i in range(10)] + [web2.url(f"/slow/150/q1-{i}") for i in range(10)]
    run_check(urls, per_host=3)
    assert peak_concurrency(web.spans, "/q1-") <= 3 and peak_concurrency(web2.spans, "/q1-") <= 3
    assert peak_concurrency(web.spans + web2.spans, "/q1-") >= 4  # the two hosts really ran in parallel


def test_global_limit(web, web2):
    urls = [web.url(f"/slow/150/q2-{i}") for i in range(6)] + [web2.url(f"/slow/150/q2-{i}") for i in range(6)]
    run_check(urls, per_host=4, concurrency=2)
    assert peak_concurrency(web.spans + web2.spans, "/q2-") <= 2


def test_one_throttled_page_pauses_the_host_but_keeps_its_limit(web):
    urls = [web.url("/retry-after/1/p4")] + [web.url(f"/slow/150/p4-{i}") for i in range(12)]
    run_check(urls, per_host=4)
    after_pause = [span for span in web.spans if "/p4-" in span[2]]
    assert peak_concurrency(after_pause, "/p4-") == 4  # a single page's 429 is not the host's
