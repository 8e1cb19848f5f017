"""#fragment checks: read only as far as needed, GitHub's user-content- prefix, encodings."""

from __future__ import annotations

import time

from generator.links import Status

from .util import fake_dns, run_check


def test_fragments_present_and_missing(web):
    base = web.url("/frag/f1")
    urls = [base + "#intro", base + "#usage", base + "#legacy", base + "#installation"]
    got = run_check(urls)
    assert [got[u].status for u in urls] == [Status.OK, Status.OK, Status.OK, Status.BROKEN]
    assert got[urls[3]].reason == "fragment #installation not found on the page"
    assert web.hits["/frag/f1"] == 1


def test_fragment_in_gzipped_page(web):
    base = web.url("/gzfrag/f2")
    got = run_check([base + "#usage", base + "#faq"])
    assert got[base + "#usage"].status is Status.OK
    assert got[base + "#faq"].status is Status.BROKEN


def test_body_read_only_until_the_anchor(web):
    url = web.url("/bigfrag/f3#usage")
    started = time.monotonic()
    got = run_check([url])[url]
    assert got.status is Status.OK
    assert time.monotonic() - started < 3
    time.sleep(0.2)
    assert web.sent["/bigfrag/f3"] < 2 * 1024 * 1024  # of 50 MiB


def test_missing_anchor_in_huge_page_stops_at_the_cap(web):
    url = web.url("/bigfrag/f4#nowhere")
    got = run_check([url], max_body=256 * 1024)[url]
    assert got.status is Status.UNKNOWN and "stopped reading after 256 KiB" in got.reason


def test_github_user_content_prefix(web):
    lookup = fake_dns({"github.com": "127.0.0.2", "example.test": "127.0.0.2"})
    port = web.server_address[1]
    gh = f"http://github.com:{port}/gh/f5#installation"
    gh_prefixed = f"http://github.com:{port}/gh/f5#user-content-installation"
    gh_lines = f"http://github.com:{port}/gh/f5#L10-L20"
    other = f"http://example.test:{port}/gh/f5#installation"
    got = run_check([gh, gh_prefixed, gh_lines, other], lookup=lookup)
    assert got[gh].status is Status.OK
    assert got[gh_prefixed].status is Status.OK
    assert got[gh_lines].status is Status.OK  # line anchors are made by JavaScript
    assert got[other].status is Status.BROKEN  # the prefix is GitHub's, not everyone's


def test_fragments_that_no_static_page_can_confirm(web):
    base = web.url("/frag/f6")
    urls = [base + "#", base + "#top", base + "#:~:text=usage", base + "#/route/in/app"]
    got = run_check(urls)
    assert all(got[u].status is Status.OK for u in urls)


def test_fragment_on_a_non_html_document(web):
    url = web.url("/pdf/f7#page=3")
    assert run_check([url])[url].status is Status.OK


def test_fragment_on_a_broken_page_reports_the_page(web):
    url = web.url("/status/404/f8#intro")
    got = run_check([url])[url]
    assert got.status is Status.BROKEN and got.http_status == 404


def test_fragment_after_a_redirect(web):
    url = web.url("/redir/301/f9#nope")
    got = run_check([url])[url]
    assert got.status is Status.BROKEN and got.final_url == web.url("/ok/f9")
