"""The async engine: each unique page once, per-host and global limits, retries, hedging, redirects.

    targets ─▶ group by page (URL without #fragment) ─▶ follow redirects, one hedged GET per hop
            ─▶ retries: 5xx / resets with backoff, 429 / Retry-After per host ─▶ LinkResult per URL

A request still without headers after `hedge_at` x timeout gets a second attempt on a fresh
connection; the URL is broken only if neither answers within the timeout. So a hung socket is
retried without doubling the wall time.
"""

from __future__ import annotations

import asyncio
import random
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import urldefrag, urljoin, urlsplit

import httpx

from . import fetch as f
from .classify import REDIRECTS, Verdict, fragment_verdict, page_verdict
from .client import make_client
from .extract import Target, is_checkable
from .hosts import HostGate, NetworkWatch
from .net import GuardedBackend, Lookup, Resolver
from .options import CheckOptions
from .status import LinkResult, Status, format_time, utc_now

OnResult = Callable[[LinkResult], None]
# overload and gateway errors get every retry; other 5xx (500 is usually a bug for that URL) get one
TRANSIENT = frozenset({502, 503, 504, 520, 521, 522, 523, 524})


@dataclass
class _Page:
    url: str
    members: list[Target]
    deadline: float | None = None
    host: str = ""
    fragments: frozenset[str] = field(default_factory=frozenset)


class Engine:
    def __init__(self, options: CheckOptions, on_result: OnResult | None = None, lookup: Lookup | None = None):
        self.options = options
        self.on_result = on_result
        self.resolver = Resolver(lookup)
        self.watch = NetworkWatch(on_down=self.resolver.abandon)
        self.gates: dict[str, HostGate] = {}
        self.results: list[LinkResult] = []
        self._held: list[LinkResult] = []
        self._exclude = [re.compile(p) for p in options.exclude]
        self._global: HostGate | None = None
        self.client: httpx.AsyncClient | None = None

    # -- running ---------------------------------------------------------------------------------

    async def run(self, targets: Iterable[Target]) -> list[LinkResult]:
        pages: dict[str, _Page] = {}
        for target in targets:
            base = urldefrag(target.url)[0]
            pages.setdefault(base, _Page(base, [])).members.append(target)
        self._global = HostGate(self.options.concurrency)  # the same queue discipline, no pauses
        backend = GuardedBackend(self.resolver, self.options.allow_private, watch=self.watch)
        self.client = make_client(backend, self.options.per_host)
        try:
            async with self.client:
                tasks = [asyncio.create_task(self._check_page(page)) for page in pages.values()]
                try:
                    await asyncio.gather(*tasks)
                finally:
                    for task in tasks:
                        task.cancel()
                    await asyncio.gather(*tasks, return_exceptions=True)
        finally:
            self.watch.close()
            self.resolver.close()
            self._release_held(final=True)
        return self.results

    def _emit(self, result: LinkResult, network_failure: bool = False) -> None:
        if network_failure and not self.watch.answered:
            self._held.append(result)  # maybe the whole network is down: decide later
            return
        self.results.append(result)
        if self.on_result:
            self.on_result(result)
        if self._held and self.watch.answered:
            self._release_held(final=False)

    def _release_held(self, final: bool) -> None:
        held, self._held = self._held, []
        down = final and self.watch.down
        for result in held:
            if down:
                result = LinkResult(result.url, Status.UNKNOWN, f"{self.watch.reason()} ({result.reason})",
                                    None, None, result.checked_at, result.sources)
            self.results.append(result)
            if self.on_result:
                self.on_result(result)

    def gate(self, host: str) -> HostGate:
        if host not in self.gates:
            self.gates[host] = HostGate(self.options.per_host)
        return self.gates[host]

    # -- one page ----------------------------------------------------------------------------------

    async def _check_page(self, page: _Page) -> None:
        page.host = (urlsplit(page.url).hostname or "").lower()
        kept = []
        for t in page.members:
            pattern = next((p for p in self._exclude if p.search(t.url)), None)
            if pattern is None:
                kept.append(t)
            else:
                self._emit(self._result(t, Verdict(Status.SKIPPED, f"excluded by --exclude {pattern.pattern!r}")))
        page.members = kept
        if not kept:
            return
        page.fragments = frozenset(urldefrag(t.url)[1] for t in page.members) - {""}
        out, chain, problem = await self._follow(page)
        if out.error == f.OFFLINE:
            verdict = Verdict(Status.UNKNOWN, f"{self.watch.reason()} ({out.detail})")
        else:
            verdict = page_verdict(page.url, out, chain, problem, self.options.timeout)
        network = out.error in (f.DNS, f.UNREACHABLE) or (out.error == f.TIMEOUT and not chain
                                                          and page.host not in self.watch.answered)
        final_host = (urlsplit(verdict.final_url).hostname or "").lower() if verdict.final_url else page.host
        for t in page.members:
            fragment = urldefrag(t.url)[1]
            own = fragment_verdict(verdict, fragment, out, final_host) if fragment else verdict
            self._emit(self._result(t, own), network_failure=network)

    @staticmethod
    def _result(target: Target, verdict: Verdict) -> LinkResult:
        return LinkResult(target.url, verdict.status, verdict.reason, verdict.http_status, verdict.final_url,
                          format_time(utc_now()), target.sources)

    async def _follow(self, page: _Page) -> tuple[f.Outcome, list[tuple[int, str]], str | None]:
        """Redirects one hop at a time. Coming back to a URL is a loop, unless the hop that led back
        set a cookie (consent and session redirects do that) and it is only the second visit."""
        url, chain, seen = page.url, [], {page.url: 1}
        while True:
            out = await self._fetch(url, page)
            if out.status not in REDIRECTS or not out.location:
                return out, chain, None
            try:
                target = urldefrag(urljoin(url, out.location.strip()))[0]
            except ValueError:
                return out, chain, f"redirect to an invalid URL {out.location!r}"
            chain.append((out.status, target))
            visits = seen.get(target, 0)
            if visits and not (out.sets_cookie and visits < 2):
                return out, chain, f"redirect loop ({len(chain)} hops, back to {target})"
            if len(chain) > self.options.max_redirects:
                return out, chain, f"too many redirects (more than {self.options.max_redirects})"
            if not is_checkable(target):
                return out, chain, f"redirect to a non-web URL {target}"
            seen[target] = visits + 1
            url = target

    # -- one hop: retries and rate limits ----------------------------------------------------------

    async def _fetch(self, url: str, page: _Page) -> f.Outcome:
        loop = asyncio.get_running_loop()
        host = (urlsplit(url).hostname or "").lower()
        gate = self.gate(host)
        tries = throttles = 0
        cap = self.options.retry_after_cap
        while True:
            out = await self._hedged(url, gate, page)
            if out.status is not None and out.status < 400:
                gate.on_success()
            now = loop.time()
            if page.deadline is None:  # not tried at all
                return out
            if out.status == 429 or (out.status == 503 and out.retry_after is not None and not out.challenge):
                wait = out.retry_after if out.retry_after is not None else min(2.0**throttles, cap)
                gate.pause(min(wait, cap) + 0.05)  # the first pause was set before the slot was freed
                if wait > cap:
                    out.notes.append(f"Retry-After {wait:g} s is longer than the {cap:g} s cap")
                elif now + wait + 0.1 >= page.deadline or throttles >= 4:
                    out.notes.append(f"still rate limited after {throttles + 1} attempts")
                else:
                    throttles += 1
                    continue
                if out.status == 429:
                    return out
            # a hang whose parallel second attempt found no free slot (--per-host 1) is retried once
            unhedged_hang = out.error == f.TIMEOUT and out.attempts < 2 and out.detail == "no response"
            transient = out.error in (f.RESET, f.ERROR) or out.status in TRANSIENT
            retryable = transient or unhedged_hang or (
                out.status is not None and 500 <= out.status < 600 and not out.challenge)
            budget = self.options.retries if transient else min(1, self.options.retries)
            if retryable and tries < budget:
                delay = 0.5 * 3**tries * random.uniform(0.8, 1.2)
                if now + delay + 0.1 < page.deadline:
                    tries += 1
                    await asyncio.sleep(delay)
                    continue
            out.attempts = max(out.attempts, tries + 1)
            return out

    async def _acquire(self, gate: HostGate, until: float | None, urgent: bool) -> None:
        assert self._global is not None
        async with asyncio.timeout_at(until):
            await gate.acquire(urgent)
            try:
                await self._global.acquire(urgent)
            except BaseException:
                gate.release()
                raise

    def _release(self, gate: HostGate) -> None:
        assert self._global is not None
        self._global.release()
        gate.release()

    async def _hedged(self, url: str, gate: HostGate, page: _Page) -> f.Outcome:
        loop = asyncio.get_running_loop()
        try:
            await self._acquire(gate, page.deadline, urgent=page.deadline is not None)
        except TimeoutError:
            return f.Outcome(error=f.TIMEOUT, detail="deadline passed while waiting for the host")
        start = loop.time()
        if page.deadline is None:
            if self.watch.gave_up:  # many hosts failed, none answered: don't hammer a dead network
                self._release(gate)
                return f.Outcome(error=f.OFFLINE, detail=f.NOT_TRIED)
            page.deadline = start + self.options.deadline
        timeout = self.options.timeout
        header_deadline = min(start + timeout, page.deadline)
        race = f.Race()
        first = asyncio.create_task(self._attempt(url, gate, page, header_deadline, race, held=True))
        race.tasks.append(first)
        done, _ = await asyncio.wait({first}, timeout=timeout * self.options.hedge_at)
        if done or race.winner is not None or loop.time() >= header_deadline - 0.05:
            return await first
        second = asyncio.create_task(self._attempt(url, gate, page, header_deadline, race, held=False))
        race.tasks.append(second)
        outcomes = await asyncio.gather(first, second, return_exceptions=True)
        if race.winner is not None:
            return race.winner.result()
        out = next((o for o in outcomes if isinstance(o, f.Outcome) and o.error != f.LOST), None)
        if out is None:  # pragma: no cover - both cancelled
            raise asyncio.CancelledError
        out.attempts = race.sent
        return out

    async def _attempt(self, url: str, gate: HostGate, page: _Page, header_deadline: float, race: f.Race,
                       held: bool) -> f.Outcome:
        if not held:
            try:
                await self._acquire(gate, header_deadline, urgent=True)
            except TimeoutError:
                return f.Outcome(error=f.TIMEOUT, detail="no free connection for a second attempt")
        race.sent += 1
        try:
            assert self.client is not None and page.deadline is not None
            out = await f.attempt(self.client, url, header_deadline=header_deadline, deadline=page.deadline,
                                  fragments=page.fragments, max_body=self.options.max_body, race=race)
            if out.status == 429:  # slow the host down before this slot goes to the next request
                gate.on_throttled(url, min(out.retry_after or 1.0, self.options.retry_after_cap) + 0.05)
            elif out.status == 503 and out.retry_after is not None and not out.challenge:
                gate.pause(min(out.retry_after, self.options.retry_after_cap) + 0.05)
            return out
        finally:
            self._release(gate)


async def check_async(targets: Iterable[Target], options: CheckOptions | None = None, *,
                      on_result: OnResult | None = None, lookup: Lookup | None = None) -> list[LinkResult]:
    return await Engine(options or CheckOptions(), on_result, lookup).run(targets)


def check(targets: Iterable[Target], options: CheckOptions | None = None, *, on_result: OnResult | None = None,
          lookup: Lookup | None = None) -> list[LinkResult]:
    """Check every target; results come back (and go to `on_result`) as they finish."""
    return asyncio.run(check_async(targets, options, on_result=on_result, lookup=lookup))
