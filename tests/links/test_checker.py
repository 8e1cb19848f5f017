"""The engine against a real HTTP server on 127.0.0.x: one test per behaviour of issue #6."""

from __future__ import annotations

import time

import pytest

from generator.links import Status, Target, check
from generator.links.checker import CheckOptions
from generator.links.fetch import BROWSER_UA

from .util import fake_dns, run_check


def test_ok_and_plain_errors(web):
    urls = [web.url("/ok/a1"), web.url("/status/404/a1"), web.url("/status/410/a1"), web.url("/status/204/a1")]
    got = run_check(urls)
    assert got[urls[0]].status is Status.OK and got[urls[0]].http_status == 200
    assert got[urls[1]].status is Status.BROKEN and got[urls[1]].http_status == 404
    assert got[urls[2]].status is Status.BROKEN and "410" in got[urls[2]].reason
    assert got[urls[3]].status is Status.OK


def test_get_only_with_browser_headers(web):
    url = web.url("/ok/headers")
    run_check([url])
    (_, method, _, headers), = [entry for entry in web.log if entry[2] == "/ok/headers"]
    assert method == "GET"
    assert headers["User-Agent"] == BROWSER_UA and "Mozilla" in headers["User-Agent"]
    assert "text/html" in headers["Accept"] and headers["Accept-Language"]


def test_each_unique_url_checked_once(web):
    page = web.url("/frag/dedupe")
    targets = [Target(page, ("a.md:1", "b.md:2")), Target(page + "#intro", ("c.md:3",)),
               Target(page + "#usage", ("d.md:4",)), Target(page + "#nope", ("e.md:5",))]
    results = {r.url: r for r in check(targets, CheckOptions(timeout=2, allow_private=True))}
    assert web.hits["/frag/dedupe"] == 1  # one GET serves the page and all three fragments
    assert results[page].sources == ("a.md:1", "b.md:2")
    assert results[page + "#usage"].status is Status.OK
    assert results[page + "#nope"].status is Status.BROKEN


def test_server_errors_are_retried_with_backoff(web):
    flaky, dead = web.url("/flaky503/r1"), web.url("/always503/r1")
    started = time.monotonic()
    got = run_check([flaky, dead])
    assert got[flaky].status is Status.OK and web.hits["/flaky503/r1"] == 2
    assert got[dead].status is Status.BROKEN and web.hits["/always503/r1"] == 3
    assert "after 3 attempts" in got[dead].reason
    times = [t for t, _, path, _ in web.log if path == "/always503/r1"]
    assert times[1] - times[0] >= 0.35 and times[2] - times[1] >= 1.1  # 0.5 s, then 1.5 s (+-20 %)
    assert time.monotonic() - started < 8


def test_internal_server_error_is_retried_once(web):
    url = web.url("/status/500/r3")
    got = run_check([url])[url]
    assert got.status is Status.BROKEN and got.reason == "HTTP 500 after 2 attempts"
    assert web.hits["/status/500/r3"] == 2


def test_resets_are_retried(web):
    flaky, dead = web.url("/flakyreset/r2"), web.url("/reset/r2")
    got = run_check([flaky, dead])
    assert got[flaky].status is Status.OK and web.hits["/flakyreset/r2"] == 2
    assert got[dead].status is Status.BROKEN and web.hits["/reset/r2"] == 3
    assert "reset" in got[dead].reason


def test_hung_socket_is_retried_once_within_the_timeout(web):
    url = web.url("/hang/h1")
    started = time.monotonic()
    got = run_check([url], timeout=1.0)
    elapsed = time.monotonic() - started
    assert got[url].status is Status.BROKEN
    assert got[url].reason == "no response within 1 s after 2 attempts"
    assert web.hits["/hang/h1"] == 2  # the hedge: a second attempt on a fresh connection
    assert 0.9 < elapsed < 3.0


def test_slow_but_answering_server_is_ok(web):
    url = web.url("/slow/2500/s1")
    got = run_check([url], timeout=3.0)
    assert got[url].status is Status.OK
    assert web.hits["/slow/2500/s1"] == 2  # hedged at 1.8 s; the first answer wins


def test_refused_connection_is_broken(refused_url):
    got = run_check([refused_url])
    assert got[refused_url].status is Status.BROKEN
    assert "refused" in got[refused_url].reason


def test_dns_failure_is_broken_when_other_hosts_answer(web):
    ok, missing = web.url("/ok/dns1"), "http://no-such-host.test/page"
    got = run_check([ok, missing], lookup=fake_dns({}))
    assert got[ok].status is Status.OK
    assert got[missing].status is Status.BROKEN
    assert "DNS lookup failed for no-such-host.test" in got[missing].reason


@pytest.mark.parametrize(
    ("path", "status", "final"),
    [
        ("/redir/301/c1", Status.REDIRECTED, "/ok/c1"),
        ("/redir/301-308/c2", Status.REDIRECTED, "/ok/c2"),
        ("/redir/302/c3", Status.OK, "/ok/c3"),
        ("/redir/301-307/c4", Status.OK, "/ok/c4"),
        ("/redir404/c5", Status.BROKEN, "/status/404/c5"),
        ("/home/c6", Status.UNKNOWN, "/"),
    ],
)
def test_redirects(web, path, status, final):
    url = web.url(path)
    got = run_check([url])[url]
    assert got.status is status, got.reason
    assert got.final_url == web.url(final)


def test_redirect_loop_and_too_many_redirects(web):
    loop, long = web.url("/loop/l1/a"), web.url("/redir/" + "-".join(["302"] * 12) + "/l2")
    got = run_check([loop, long])
    assert got[loop].status is Status.BROKEN and "redirect loop" in got[loop].reason
    assert web.hits["/loop/l1/a"] == 1 and web.hits["/loop/l1/b"] == 1
    assert got[long].status is Status.BROKEN and "too many redirects" in got[long].reason


def test_cookie_redirect_to_itself_is_not_a_loop(web):
    url = web.url("/cookie/k1")
    got = run_check([url])[url]
    assert got.status is Status.OK, got.reason
    assert web.hits["/cookie/k1"] == 2
    sent = [headers.get("Cookie") for _, _, path, headers in web.log if path == "/cookie/k1"]
    assert sent == [None, "seen=1"]


def test_cross_host_redirect(web, web2):
    url = web.url(f"/redir/301/x1?to={web2.host}")
    got = run_check([url])[url]
    assert got.status is Status.REDIRECTED and got.final_url == web2.url("/ok/x1")
    assert web2.hits["/ok/x1"] == 1


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/forbidden/b1", "403 even with a browser User-Agent"),
        ("/li999/b1", "999"),
        ("/cf/b1", "challenge"),
        ("/soft404/b1", "likely soft-404"),
    ],
)
def test_bot_walls_and_soft_404_are_unknown(web, path, reason):
    url = web.url(path)
    got = run_check([url])[url]
    assert got.status is Status.UNKNOWN and reason in got.reason
    assert web.hits[path] == 1  # no retries against a wall


def test_user_agent_wall_passes_with_browser_ua(web):
    url = web.url("/uablock/b2")
    assert run_check([url])[url].status is Status.OK


def test_huge_body_is_not_downloaded(web):
    url = web.url("/huge/z1")
    started = time.monotonic()
    got = run_check([url])[url]
    assert got.status is Status.OK
    assert time.monotonic() - started < 3
    time.sleep(0.2)
    assert web.sent["/huge/z1"] < 4 * 1024 * 1024  # of 50 MiB: stopped once the headers arrived


def test_one_deadline_per_url(web):
    url = web.url("/always503/d1")
    started = time.monotonic()
    got = run_check([url], timeout=0.5, retry_after_cap=1.0, retries=10)[url]
    assert got.status is Status.BROKEN
    assert time.monotonic() - started < 3.5  # deadline = max(4 x 0.5, 1 + 2 x 0.5) = 2 s
    assert 2 <= web.hits["/always503/d1"] <= 3


def test_connections_are_reused(web):
    urls = [web.url(f"/ok/reuse{i}") for i in range(24)]
    got = run_check(urls, per_host=2)
    assert all(r.status is Status.OK for r in got.values())
    assert web.connections <= 4


def test_exclude_is_skipped(web):
    kept, dropped = web.url("/ok/e1"), web.url("/ok/e1-private")
    got = run_check([kept, dropped], exclude=("private$",))
    assert got[dropped].status is Status.SKIPPED and "excluded" in got[dropped].reason
    assert got[kept].status is Status.OK
    assert web.hits["/ok/e1-private"] == 0


def test_hung_socket_with_one_connection_per_host(web):
    url = web.url("/hang/h2")
    got = run_check([url], timeout=1.0, per_host=1)[url]
    # no free slot for a parallel second attempt: it is retried after the first one times out
    assert got.status is Status.BROKEN and got.reason == "no response within 1 s after 2 attempts"
    assert web.hits["/hang/h2"] == 2
