"""No network at all must give `unknown` for everything, with one clear reason, not a wall of `broken`."""

from __future__ import annotations

import json

from generator.links import Status
from generator.links import net as links_net
from generator.links.__main__ import main
from generator.links.net import DNSFailure

from .util import fake_dns, run_check

NO_NETWORK = "no network: DNS resolution failed for every host"


def test_dns_failing_everywhere_is_unknown():
    urls = [f"http://host{i}.example.org/page" for i in range(5)]
    got = run_check(urls, lookup=fake_dns({}))
    for result in got.values():
        assert result.status is Status.UNKNOWN
        assert result.reason.startswith(NO_NETWORK)
        assert result.offline


def test_many_hosts_down_stops_early():
    import asyncio

    calls = []

    async def lookup(host: str, port: int) -> list[str]:
        calls.append(host)
        await asyncio.sleep(0.05)
        raise DNSFailure(host, "Name or service not known")

    urls = [f"http://host{i}.example.org/page" for i in range(300)]
    got = run_check(urls, lookup=lookup, concurrency=4)
    assert all(r.status is Status.UNKNOWN and r.reason.startswith(NO_NETWORK) for r in got.values())
    assert len(calls) < 150  # after a grace second the rest were not even tried
    assert any("not tried" in r.reason for r in got.values())


def test_one_dead_host_among_live_ones_is_broken(web):
    urls = [web.url("/ok/n1"), "http://gone.example.org/"]
    got = run_check(urls, lookup=fake_dns({}))
    assert got["http://gone.example.org/"].status is Status.BROKEN


def test_cli_on_a_catalog_without_network(mini_catalog, monkeypatch, capsys, tmp_path):
    async def no_dns(host: str, port: int) -> list[str]:
        raise DNSFailure(host, "Temporary failure in name resolution")

    monkeypatch.setattr(links_net, "system_lookup", no_dns)
    monkeypatch.setenv("CI", "true")
    out = tmp_path / "report.jsonl"
    code = main(["--catalog", str(mini_catalog), "--format", "jsonl", "--output", str(out),
                 "--cache", str(tmp_path / "cache.jsonl")])
    assert code == 0  # nothing is known to be broken
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert rows and all(r["status"] == "unknown" and r["reason"].startswith(NO_NETWORK) for r in rows)
    assert not (tmp_path / "cache.jsonl").exists()  # nothing was really checked: nothing cached
    assert "unknown" in capsys.readouterr().err


def test_a_dead_resolver_is_given_up_quickly():
    import asyncio
    import time

    async def lookup(host: str, port: int) -> list[str]:
        if host.startswith("slow"):
            await asyncio.sleep(30)  # a resolver that never answers this one
        raise DNSFailure(host, "Name or service not known")

    urls = [f"http://fast{i}.example.org/" for i in range(10)] + [f"http://slow{i}.example.org/" for i in range(5)]
    started = time.monotonic()
    got = run_check(urls, lookup=lookup, timeout=20)
    assert time.monotonic() - started < 3
    assert all(r.status is Status.UNKNOWN and r.reason.startswith(NO_NETWORK) for r in got.values())


def test_early_dns_failures_do_not_hide_a_working_network(web):
    import asyncio

    async def lookup(host: str, port: int) -> list[str]:
        if host == "good.example.org":
            await asyncio.sleep(0.3)  # slower than the NXDOMAIN answers
            return ["127.0.0.2"]
        raise DNSFailure(host, "Name or service not known")

    port = web.server_address[1]
    dead = [f"http://dead{i}.example.org/" for i in range(12)]
    good = f"http://good.example.org:{port}/ok/n2"
    got = run_check([*dead, good], lookup=lookup)
    assert got[good].status is Status.OK
    assert all(got[u].status is Status.BROKEN for u in dead)
