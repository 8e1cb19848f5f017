"""Per-host state: admission gates (limits, pauses, AIMD on 429) and the whole-network watch."""

from __future__ import annotations

import asyncio
import typing


class HostGate:
    """Per-host admission: at most `limit` requests in flight, a pause honouring Retry-After, and
    AIMD on 429: halve the limit once two different URLs of the host were throttled, then win back
    one slot per run of successes after a calm spell, staying below the level that was throttled."""

    CALM = 2.0  # seconds (at least twice the last Retry-After) without a 429 before the limit may grow
    WINDOW = 10.0  # 429s on two different URLs this close together mean the whole host is limiting

    def __init__(self, limit: int):
        self.limit = self.ceiling = max(1, limit)
        self.active = 0
        self.not_before = 0.0
        self.throttled = 0  # 429s seen
        self._streak = 0
        self._calm_after = 0.0
        self._last_throttle = float("-inf")
        self._calm = self.CALM
        self._recent: list[tuple[float, str]] = []
        self._waiters: list[asyncio.Future[None]] = []

    async def acquire(self, urgent: bool = False) -> None:
        """Wait for a slot. `urgent` (a retry, redirect hop or hedge of a URL already started) goes
        to the front of the queue, so finishing started URLs comes before starting new ones."""
        loop = asyncio.get_running_loop()
        woken = False
        while True:
            wait = self.not_before - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
                continue
            if self.active < self.limit and (urgent or woken or not self._waiters):
                self.active += 1
                return
            waiter = loop.create_future()
            if urgent or woken:
                self._waiters.insert(0, waiter)
            else:
                self._waiters.append(waiter)
            try:
                await waiter
            except asyncio.CancelledError:
                if waiter.done() and not waiter.cancelled():
                    self._wake()  # pass the wake-up on to the next in line
                raise
            finally:
                if waiter in self._waiters:
                    self._waiters.remove(waiter)
            woken = True

    def release(self) -> None:
        self.active -= 1
        self._wake()

    def _wake(self) -> None:
        free = self.limit - self.active - sum(1 for w in self._waiters if w.done())
        for waiter in list(self._waiters):
            if free <= 0:
                break
            if not waiter.done():
                waiter.set_result(None)
                free -= 1

    def pause(self, seconds: float) -> None:
        now = asyncio.get_running_loop().time()
        self.not_before = max(self.not_before, now + seconds)

    def on_throttled(self, url: str, retry_after: float) -> None:
        """A 429: pause the host (Retry-After) and, when a second URL of the host is throttled
        within `WINDOW` seconds (so the host, not one page, is limiting us), halve its concurrency,
        at most once per pause."""
        now = asyncio.get_running_loop().time()
        self.throttled += 1
        self.pause(retry_after)
        self._streak = 0
        self._last_throttle = now
        self._calm = max(self.CALM, 2 * retry_after)
        self._recent = [(t, u) for t, u in self._recent if now - t < self.WINDOW] + [(now, url)]
        host_wide = len({u for _, u in self._recent}) >= 2
        if host_wide and now >= self._calm_after:
            self.ceiling = max(1, self.limit - 1)
            self.limit = max(1, self.limit // 2)
            self._calm_after = now + max(retry_after, 0.5)

    def on_success(self) -> None:
        """Win back one slot after a run of successes and a calm spell, never up to the throttled level."""
        self._streak += 1
        if self.limit >= self.ceiling or self._streak < 4 * self.limit:
            return
        if asyncio.get_running_loop().time() - self._last_throttle < self._calm:
            return
        self.limit += 1
        self._streak = 0
        self._wake()


class NetworkWatch:
    """Tells "this host is down" from "the whole network is down".

    A host either answered (any HTTP response, or even a refused connection: a RST proves the
    network works) or failed below HTTP (DNS, unreachable, connect timeout). When at least two
    distinct hosts failed and none answered, the network is considered `down`.

    Giving up early: once `EARLY` hosts failed DNS and no lookup succeeded, and that is still so
    `GRACE` seconds later, `on_down` is called (once) so nothing else waits for a dead resolver.
    """

    EARLY = 8
    GRACE = 1.0

    def __init__(self, on_down: typing.Callable[[], None] | None = None) -> None:
        self.answered: set[str] = set()
        self.resolved: set[str] = set()
        self.failed: set[str] = set()
        self.dns_failed: set[str] = set()
        self.on_down = on_down
        self.gave_up = False
        self._timer: asyncio.TimerHandle | None = None

    def answer(self, host: str) -> None:
        self.answered.add(host)

    def fail(self, host: str, dns: bool) -> None:
        self.failed.add(host)
        if dns:
            self.dns_failed.add(host)
        if self._looks_down() and self._timer is None and not self.gave_up:
            self._timer = asyncio.get_running_loop().call_later(self.GRACE, self._give_up)

    def _looks_down(self) -> bool:
        return not self.answered and not self.resolved and len(self.dns_failed) >= self.EARLY

    def _give_up(self) -> None:
        self._timer = None
        if self._looks_down() and not self.gave_up:
            self.gave_up = True
            if self.on_down is not None:
                self.on_down()

    def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    @property
    def down(self) -> bool:
        return not self.answered and len(self.failed) >= 2

    def reason(self) -> str:
        if self.failed and self.dns_failed == self.failed:
            return "no network: DNS resolution failed for every host"
        return f"no network: none of the {len(self.failed)} hosts could be reached"
