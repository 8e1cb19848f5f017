"""Private addresses are refused unless allowed; bodies are capped; bombs are harmless."""

from __future__ import annotations

import time
import tracemalloc

import pytest

from generator.links import Status
from generator.links import net as links_net
from generator.links.body import Decoder

from .conftest import bomb
from .util import fake_dns, run_check


@pytest.mark.parametrize(
    "url",
    ["http://169.254.169.254/latest/meta-data/", "http://10.1.2.3/", "http://127.0.0.1:9/", "http://[::1]:9/",
     "http://192.168.0.1/", "http://100.64.0.1/", "http://0.0.0.0/"],
)
def test_private_literals_are_refused(url):
    started = time.monotonic()
    got = run_check([url], allow_private=False)[url]
    assert got.status is Status.SKIPPED
    assert "non-public address" in got.reason and "--allow-private" in got.reason
    assert time.monotonic() - started < 2  # refused before any connection attempt


def test_names_resolving_to_private_addresses_are_refused(web):
    lookup = fake_dns({"metadata.test": "169.254.169.254", "intranet.test": "10.0.0.7"})
    urls = ["http://metadata.test/latest/", "http://intranet.test/wiki"]
    got = run_check(urls, allow_private=False, lookup=lookup)
    assert "169.254.169.254" in got[urls[0]].reason and got[urls[0]].status is Status.SKIPPED
    assert "10.0.0.7" in got[urls[1]].reason and got[urls[1]].status is Status.SKIPPED


def test_loopback_server_needs_allow_private(web):
    url = web.url("/ok/s1")
    assert run_check([url], allow_private=False)[url].status is Status.SKIPPED
    assert web.hits["/ok/s1"] == 0
    assert run_check([url], allow_private=True)[url].status is Status.OK


def test_redirect_to_a_private_address_is_refused(web, monkeypatch):
    real = links_net.is_public
    monkeypatch.setattr(links_net, "is_public", lambda ip: ip == "127.0.0.2" or real(ip))
    url = web.url("/to/s2?url=http://169.254.169.254/latest/meta-data/")
    got = run_check([url], allow_private=False)[url]
    assert got.status is Status.SKIPPED and "169.254.169.254" in got.reason


def test_decompression_bomb_is_harmless(web):
    url = web.url("/bomb/s3#anchor")
    assert len(bomb()) < 200 * 1024  # built before measuring: the server shares this process
    tracemalloc.start()
    try:
        got = run_check([url], max_body=1024 * 1024)[url]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert got.status is Status.UNKNOWN and "stopped reading after 1024 KiB" in got.reason
    assert peak < 24 * 1024 * 1024  # 64 MiB inflated would not fit


def test_decoder_never_exceeds_its_budget():
    import gzip

    decoder = Decoder("gzip", 1000)
    out = decoder.feed(gzip.compress(bytes(10_000_000)))
    assert len(out) == 1000 and decoder.exhausted and decoder.feed(b"more") == b""


def test_bomb_without_fragment_reads_only_the_head(web):
    url = web.url("/bomb/s4")
    bomb()
    assert run_check([url])[url].status is Status.OK


def test_tls_with_a_trusted_certificate(tls_server, monkeypatch):
    from generator.links import client

    server, cert = tls_server
    monkeypatch.setattr(client.certifi, "where", lambda: str(cert))
    url = f"https://tls.test:{server.server_address[1]}/frag/t1#usage"
    got = run_check([url], lookup=fake_dns({"tls.test": "127.0.0.4"}))[url]
    assert got.status is Status.OK, got.reason


def test_tls_certificate_problems_are_unknown(tls_server):
    server, _ = tls_server
    url = f"https://tls.test:{server.server_address[1]}/ok/t2"
    got = run_check([url], lookup=fake_dns({"tls.test": "127.0.0.4"}))[url]
    assert got.status is Status.UNKNOWN
    assert "TLS error" in got.reason and "CERTIFICATE_VERIFY_FAILED" in got.reason
