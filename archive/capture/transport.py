"""The capture's HTTP transport: httpcore's connection pool over the target-policy backend.

httpx's own ``AsyncHTTPTransport`` cannot be given a network backend, and the address check has
to happen between name resolution and connect (see archive.capture.targets), so this adapter
does what httpx's transport does (httpx request -> httpcore request -> httpx response, httpcore
errors -> httpx errors) with the pool built here. TargetRefused passes through untranslated:
the fetcher turns it into a recorded, non-transient failure.
"""

from __future__ import annotations

import contextlib
import typing
from collections.abc import AsyncIterator, Iterator

import httpcore
import httpx

from archive.capture.targets import GuardedBackend, Resolver, TargetPolicy, system_resolver

# Most specific first: a ConnectTimeout must stay a timeout, not become a NetworkError.
_ERRORS: tuple[tuple[type[Exception], type[httpx.HTTPError]], ...] = tuple(
    (getattr(httpcore, name), getattr(httpx, name)) for name in (
        "ConnectTimeout", "ReadTimeout", "WriteTimeout", "PoolTimeout", "ConnectError", "ReadError",
        "WriteError", "RemoteProtocolError", "LocalProtocolError", "UnsupportedProtocol", "ProxyError",
        "TimeoutException", "NetworkError", "ProtocolError",
    )
)


@contextlib.contextmanager
def _httpx_errors() -> Iterator[None]:
    try:
        yield
    except Exception as exc:
        for source, target in _ERRORS:
            if isinstance(exc, source):
                raise target(str(exc)) from exc
        raise


class _Body(httpx.AsyncByteStream):
    def __init__(self, stream: typing.AsyncIterable[bytes]) -> None:
        self._stream = stream

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _httpx_errors():
            async for part in self._stream:
                yield part

    async def aclose(self) -> None:
        close = getattr(self._stream, "aclose", None)
        if close is not None:
            with _httpx_errors():
                await close()


class GuardedTransport(httpx.AsyncBaseTransport):
    """An httpx transport whose every connection passes the target policy in force."""

    def __init__(self, default: TargetPolicy, *, resolver: Resolver = system_resolver,
                 max_connections: int = 256, max_keepalive: int = 64) -> None:
        self.backend = GuardedBackend(default, resolver)
        # Like the client (trust_env=False): no CA bundle or proxy from the environment by surprise.
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False), max_connections=max_connections,
            max_keepalive_connections=max_keepalive, keepalive_expiry=5.0, network_backend=self.backend,
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(request.stream, httpx.AsyncByteStream)
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(scheme=request.url.raw_scheme, host=request.url.raw_host,
                             port=request.url.port, target=request.url.raw_path),
            headers=request.headers.raw, content=request.stream, extensions=request.extensions,
        )
        with _httpx_errors():
            response = await self._pool.handle_async_request(core_request)
        assert isinstance(response.stream, typing.AsyncIterable)
        return httpx.Response(status_code=response.status, headers=response.headers,
                              stream=_Body(response.stream), extensions=response.extensions)

    async def aclose(self) -> None:
        await self._pool.aclose()
