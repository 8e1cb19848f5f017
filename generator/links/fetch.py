"""One HTTP attempt: GET, headers, then as little body as the check needs; failures become kinds."""

from __future__ import annotations

import asyncio
import email.utils
import errno
import ssl
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx

from .body import SNIFF_BYTES, Decoder, Scanner, Undecodable, challenge_title, fragment_names
from .net import DNSFailure, PrivateAddress

BROWSER_UA = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
              "Chrome/131.0.0.0 Safari/537.36")
HEADERS = {
    "User-Agent": BROWSER_UA,
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "en-US,en;q=0.9,zh-CN;q=0.8,zh;q=0.7",
    "Accept-Encoding": "gzip, deflate",
}
DRAIN_LIMIT = 64 * 1024  # a body this small is read to the end so the connection can be reused
DRAIN_TIME = 1.0

# failure kinds (Outcome.error)
DNS, PRIVATE, REFUSED, UNREACHABLE, TIMEOUT, RESET, TLS, INVALID, ERROR, LOST, OFFLINE = (
    "dns", "private", "refused", "unreachable", "timeout", "reset", "tls", "invalid", "error", "lost", "offline")
NOT_TRIED = "not tried: the network looks down"


@dataclass
class Outcome:
    status: int | None = None
    error: str | None = None
    detail: str = ""
    location: str | None = None
    retry_after: float | None = None
    content_type: str = ""
    challenge: bool = False
    sets_cookie: bool = False
    title: str | None = None
    found: set[str] | None = None  # fragments found on the page (None: not checked)
    body_note: str | None = None  # why the fragment check could not finish
    attempts: int = 1
    notes: list[str] = field(default_factory=list)


class Race:
    """Two attempts at the same request (the second one hedges a hang): the first with headers wins."""

    def __init__(self) -> None:
        self.tasks: list[asyncio.Task[Outcome]] = []
        self.winner: asyncio.Task[Outcome] | None = None
        self.sent = 0  # attempts that really went out

    def claim(self) -> bool:
        me = asyncio.current_task()
        if self.winner is not None:
            return self.winner is me
        self.winner = me  # type: ignore[assignment]
        for task in self.tasks:
            if task is not me:
                task.cancel()
        return True


def parse_retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - time.time())


def _chain(exc: BaseException):
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__  # type: ignore[assignment]


def failure(exc: BaseException) -> Outcome:
    """An exception from httpx or the network backend -> a failure kind and a short reason."""
    if isinstance(exc, DNSFailure):
        if exc.detail == NOT_TRIED:
            return Outcome(error=OFFLINE, detail=NOT_TRIED)
        return Outcome(error=DNS, detail=f"DNS lookup failed for {exc.host} ({exc.detail})")
    if isinstance(exc, PrivateAddress):
        return Outcome(error=PRIVATE, detail=str(exc))
    if isinstance(exc, httpx.TimeoutException):
        return Outcome(error=TIMEOUT, detail="no response")
    if isinstance(exc, httpx.ConnectError):
        for cause in _chain(exc):
            if isinstance(cause, ssl.SSLError):
                return Outcome(error=TLS, detail=f"TLS error: {getattr(cause, 'reason', None) or cause}")
            if isinstance(cause, ConnectionRefusedError) or getattr(cause, "errno", None) == errno.ECONNREFUSED:
                return Outcome(error=REFUSED, detail="connection refused")
            if getattr(cause, "errno", None) in (errno.ENETUNREACH, errno.EHOSTUNREACH, errno.EADDRNOTAVAIL):
                return Outcome(error=UNREACHABLE, detail=f"host unreachable ({cause})")
        text = str(exc) or type(exc).__name__
        if "refused" in text.lower():
            return Outcome(error=REFUSED, detail="connection refused")
        if "ssl" in text.lower() or "certificate" in text.lower():
            return Outcome(error=TLS, detail=f"TLS error: {text}")
        return Outcome(error=UNREACHABLE, detail=f"cannot connect: {text}")
    if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError):
        return Outcome(error=RESET, detail=f"connection reset or closed early ({str(exc) or type(exc).__name__})")
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL | httpx.LocalProtocolError | ValueError):
        return Outcome(error=INVALID, detail=f"invalid URL: {exc}")
    if isinstance(exc, ConnectionError | OSError):
        return Outcome(error=RESET, detail=f"network error: {exc}")
    return Outcome(error=ERROR, detail=f"{type(exc).__name__}: {exc}")


async def attempt(client: httpx.AsyncClient, url: str, *, header_deadline: float, deadline: float,
                  fragments: frozenset[str], max_body: int, race: Race | None = None) -> Outcome:
    """GET `url`; wait for headers until `header_deadline`, then read only what is needed."""
    try:
        async with asyncio.timeout_at(header_deadline):
            response = await client.send(client.build_request("GET", url, headers=HEADERS), stream=True)
    except TimeoutError:
        return Outcome(error=TIMEOUT, detail="no response")
    except Exception as exc:  # noqa: BLE001 - every failure becomes a reported kind
        return failure(exc)
    try:
        if race is not None and not race.claim():
            return Outcome(error=LOST)
        out = Outcome(
            status=response.status_code,
            location=response.headers.get("location"),
            retry_after=parse_retry_after(response.headers.get("retry-after")),
            content_type=response.headers.get("content-type", "").split(";")[0].strip().lower(),
            challenge=response.headers.get("cf-mitigated", "").lower() == "challenge",
            sets_cookie="set-cookie" in response.headers,
        )
        await _read_body(response, out, url, fragments, max_body, deadline)
        return out
    finally:
        await response.aclose()


async def _read_body(response: httpx.Response, out: Outcome, url: str, fragments: frozenset[str],
                     max_body: int, deadline: float) -> None:
    html = "html" in out.content_type
    ok = 200 <= response.status_code < 300
    check = bool(fragments) and ok and html
    sniff = html and (ok or response.status_code in (403, 429, 503))
    length = response.headers.get("content-length", "")
    size = int(length) if length.isdigit() else None
    if not (check or sniff):
        if size is None or size <= DRAIN_LIMIT:
            await _drain(response, DRAIN_LIMIT, min(deadline, asyncio.get_running_loop().time() + DRAIN_TIME))
        return
    host = (urlsplit(url).hostname or "").lower()
    wanted = {frag: fragment_names(frag, host) for frag in fragments} if check else {}
    scanner = Scanner(wanted, sniff)
    try:
        decoder = Decoder(response.headers.get("content-encoding", ""), max_body if check else SNIFF_BYTES)
    except Undecodable as exc:
        out.body_note = str(exc)
        return
    raw = 0
    complete = scanned = truncated = False
    chunks = response.aiter_raw()
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout_at(deadline) as timer:
            async for chunk in chunks:
                raw += len(chunk)
                if scanned:
                    continue  # draining a small remainder so the connection can be reused
                scanner.feed(decoder.feed(chunk))
                if scanner.done or decoder.exhausted or raw > max_body:
                    scanned = True
                    truncated = not scanner.done
                    if size is None or size - raw > DRAIN_LIMIT:
                        break
                    timer.reschedule(min(deadline, loop.time() + DRAIN_TIME))
            else:
                complete = not truncated
    except TimeoutError:
        if not scanned:
            out.body_note = "timed out while reading the page"
    except Undecodable as exc:
        out.body_note = str(exc)
    except httpx.HTTPError as exc:
        if not scanned:
            out.body_note = f"error while reading the page: {exc or type(exc).__name__}"
    finally:
        await chunks.aclose()
    out.title = scanner.title
    if sniff and not ok:
        out.challenge = out.challenge or challenge_title(scanner.title)
    if check:
        out.found = set(scanner.found)
        if not complete and not scanner.done and out.body_note is None:
            out.body_note = f"stopped reading after {max_body // 1024} KiB"


async def _drain(response: httpx.Response, limit: int, until: float) -> None:
    """Read a small remainder so the connection goes back to the pool; give up quietly otherwise."""
    chunks = response.aiter_raw()
    total = 0
    try:
        async with asyncio.timeout_at(until):
            async for chunk in chunks:
                total += len(chunk)
                if total > limit:
                    break
    except (TimeoutError, httpx.HTTPError):
        pass
    finally:
        await chunks.aclose()
