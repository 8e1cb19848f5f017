"""The httpx client: one small connection pool per host, every connection through `GuardedBackend`.

One pool per host keeps httpcore's request-to-connection matching cheap (it scans every queued
request against every connection, which turns quadratic with a single shared pool of hundreds of
connections), and matches how the checker limits load: per host.
"""

from __future__ import annotations

import importlib.util
import ssl
import sys

import certifi
import httpcore
import httpx

from .net import GuardedBackend

# httpcore imports `sniffio` on every request to learn the async library. Without sniffio installed
# each failed import walks sys.path (~1 ms a request); a None entry makes the miss instant.
if "sniffio" not in sys.modules and importlib.util.find_spec("sniffio") is None:
    sys.modules["sniffio"] = None  # type: ignore[assignment]


class PerHostTransport(httpx.AsyncBaseTransport):
    def __init__(self, backend: GuardedBackend, per_host: int):
        self._backend = backend
        self._per_host = per_host
        self._context: ssl.SSLContext | None = None  # made on the first https origin (loading CAs costs)
        self._pools: dict[tuple[bytes, bytes, int | None], httpx.AsyncHTTPTransport] = {}

    @property
    def context(self) -> ssl.SSLContext:
        if self._context is None:
            self._context = ssl.create_default_context(cafile=certifi.where())
        return self._context

    def _pool(self, url: httpx.URL) -> httpx.AsyncHTTPTransport:
        key = (url.raw_scheme, url.raw_host, url.port)
        transport = self._pools.get(key)
        if transport is None:
            context = self.context if url.raw_scheme == b"https" else None
            transport = httpx.AsyncHTTPTransport(verify=context or False, trust_env=False)
            # httpx 0.28 has no public hook for the network backend: give the transport our own pool
            transport._pool = httpcore.AsyncConnectionPool(
                ssl_context=context,
                max_connections=None,  # the checker's gates bound the load per host
                max_keepalive_connections=self._per_host * 2,
                keepalive_expiry=5.0,
                network_backend=self._backend,
            )
            self._pools[key] = transport
        return transport

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self._pool(request.url).handle_async_request(request)

    async def aclose(self) -> None:
        pools, self._pools = self._pools, {}
        for transport in pools.values():
            await transport.aclose()


class LazyCookies(httpx.Cookies):
    """A browser-like cookie jar (some sites set a cookie and redirect to themselves) that skips
    http.cookiejar's slow parsing for the many responses that set no cookie."""

    def extract_cookies(self, response: httpx.Response) -> None:
        if "set-cookie" in response.headers:
            super().extract_cookies(response)


def make_client(backend: GuardedBackend, per_host: int) -> httpx.AsyncClient:
    transport = PerHostTransport(backend, per_host)
    # No per-operation timeouts: the checker bounds every await itself (headers per attempt, body and
    # retries per URL), and a timer per socket read or write only costs CPU.
    client = httpx.AsyncClient(transport=transport, follow_redirects=False, trust_env=False,
                               timeout=httpx.Timeout(None))
    client._cookies = LazyCookies()  # the `cookies` setter would copy it into a plain Cookies
    return client
