"""The network layer under httpx: DNS with a per-host cache, the private-address guard, per-host gates.

`GuardedBackend` is an httpcore network backend: it resolves the host itself, refuses private,
loopback, link-local and other non-public addresses (unless allowed), and connects to the checked
IP, so a DNS answer cannot change between the check and the connection. TLS still uses the host
name for SNI and certificate checks.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import threading
import typing
from collections.abc import Awaitable, Callable

import httpcore

from .hosts import NetworkWatch
from .stream import AsyncioBackend

NOT_TRIED = "not tried: the network looks down"
Lookup = Callable[[str, int], Awaitable[list[str]]]


class DNSFailure(Exception):
    def __init__(self, host: str, detail: str):
        super().__init__(f"DNS lookup failed for {host}: {detail}")
        self.host, self.detail = host, detail


class PrivateAddress(Exception):
    def __init__(self, host: str, address: str):
        super().__init__(f"{host} resolves to the non-public address {address}")
        self.host, self.address = host, address


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def _literal(host: str) -> str | None:
    try:
        return str(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        return None


_LOOKUPS = 32  # lookups in parallel; a slow resolver must not hold up the others


def _getaddrinfo_in_thread(loop: asyncio.AbstractEventLoop, future: asyncio.Future, host: str, port: int) -> None:
    try:
        outcome: object = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        outcome = exc

    def deliver() -> None:
        if future.done():
            return
        if isinstance(outcome, BaseException):
            future.set_exception(outcome)
        else:
            future.set_result(outcome)

    try:
        loop.call_soon_threadsafe(deliver)
    except RuntimeError:  # the run is over (loop closed): nobody is waiting
        pass


async def system_lookup(host: str, port: int, _gate: list[asyncio.Semaphore] = []) -> list[str]:  # noqa: B006
    """getaddrinfo in a daemon thread: unlike the default executor, a lookup stuck in a dead
    resolver neither blocks other lookups nor delays the end of the run."""
    loop = asyncio.get_running_loop()
    if not _gate or _gate[0]._get_loop() is not loop:  # type: ignore[attr-defined]
        _gate[:] = [asyncio.Semaphore(_LOOKUPS)]
    async with _gate[0]:
        future: asyncio.Future = loop.create_future()
        threading.Thread(target=_getaddrinfo_in_thread, args=(loop, future, host, port), daemon=True,
                         name=f"dns {host}").start()
        try:
            infos = await future
        except (socket.gaierror, UnicodeError) as exc:
            raise DNSFailure(host, getattr(exc, "strerror", None) or str(exc)) from None
        except OSError as exc:
            raise DNSFailure(host, str(exc)) from None
    addresses: list[str] = []
    for _family, _type, _proto, _name, sockaddr in infos:
        if sockaddr[0] not in addresses:
            addresses.append(str(sockaddr[0]))
    if not addresses:
        raise DNSFailure(host, "no addresses")
    return addresses


class Resolver:
    """Resolves each host once per run (concurrent lookups of one host share the answer).

    `abandon()` (called when the whole network looks down) makes every pending and later lookup
    fail at once instead of waiting for a dead resolver to time out."""

    def __init__(self, lookup: Lookup | None = None):
        self._lookup = lookup or system_lookup
        self._answers: dict[str, asyncio.Future[list[str]]] = {}
        self._abandoned: asyncio.Event | None = None

    def abandon(self) -> None:
        if self._abandoned is None:
            self._abandoned = asyncio.Event()
        self._abandoned.set()

    async def resolve(self, host: str, port: int) -> list[str]:
        literal = _literal(host)
        if literal is not None:
            return [literal]
        key = host.lower().rstrip(".")
        if self._abandoned is None:
            self._abandoned = asyncio.Event()
        if self._abandoned.is_set():
            raise DNSFailure(key, NOT_TRIED)
        future = self._answers.get(key)
        if future is None:
            future = self._answers[key] = asyncio.ensure_future(self._lookup(key, port))
        giving_up = asyncio.ensure_future(self._abandoned.wait())
        try:
            await asyncio.wait({future, giving_up}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            giving_up.cancel()
        if not future.done():
            raise DNSFailure(key, NOT_TRIED)
        return list(future.result())

    def close(self) -> None:
        for future in self._answers.values():
            if not future.done():
                future.cancel()
            elif not future.cancelled():
                future.exception()  # mark as retrieved


class GuardedBackend(httpcore.AsyncNetworkBackend):
    def __init__(self, resolver: Resolver, allow_private: bool = False, inner=None,
                 watch: NetworkWatch | None = None):
        self.resolver = resolver
        self.allow_private = allow_private
        self.watch = watch or NetworkWatch()
        self._inner = inner or AsyncioBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[typing.Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        key = host.lower()
        try:
            addresses = await self.resolver.resolve(host, port)
        except DNSFailure:
            self.watch.fail(key, dns=True)
            raise
        self.watch.resolved.add(key)
        if not self.allow_private:
            for address in addresses:
                if not is_public(address):
                    raise PrivateAddress(host, address)
        error: Exception | None = None
        for address in addresses[:3]:
            try:
                stream = await self._inner.connect_tcp(address, port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
                continue
            self.watch.answer(key)
            return stream
        assert error is not None
        if "refused" in str(error).lower() or _refused(error):
            self.watch.answer(key)  # a refusal is an answer: the network works
        else:
            self.watch.fail(key, dns=False)
        raise error

    async def connect_unix_socket(self, path, timeout=None, socket_options=None):  # pragma: no cover
        raise httpcore.ConnectError("unix sockets are not used by the link checker")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def _refused(exc: BaseException) -> bool:
    seen = 0
    cause: BaseException | None = exc
    while cause is not None and seen < 8:
        if isinstance(cause, ConnectionRefusedError):
            return True
        cause, seen = cause.__cause__ or cause.__context__, seen + 1
    return False
