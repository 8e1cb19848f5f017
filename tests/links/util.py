"""Helpers shared by the link-checker tests."""

from __future__ import annotations

from generator.links import CheckOptions, LinkResult, Target, check
from generator.links.net import DNSFailure


def run_check(urls: list[str], lookup=None, **options) -> dict[str, LinkResult]:
    """Check `urls` (loopback allowed, short timeout unless given) and index the results by URL."""
    settings = {"timeout": 5.0, "allow_private": True, **options}
    results = check([Target(u, ("test",)) for u in urls], CheckOptions(**settings), lookup=lookup)
    assert len(results) == len(urls)
    return {r.url: r for r in results}


def fake_dns(mapping: dict[str, str]):
    """A resolver for tests: names in `mapping` resolve, everything else fails like NXDOMAIN."""
    calls: list[str] = []

    async def lookup(host: str, port: int) -> list[str]:
        calls.append(host)
        if host in mapping:
            return [mapping[host]]
        raise DNSFailure(host, "Name or service not known")

    lookup.calls = calls  # type: ignore[attr-defined]
    return lookup
