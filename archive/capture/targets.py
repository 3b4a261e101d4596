"""Which addresses a capture may connect to.

A page decides what the archiver fetches next (requisites, redirects), so without a rule a page
could make it fetch from inside its own network (a router's admin page, a cloud metadata
service) and keep the answer in a bag, a WACZ and replay. The rule:

- link-local addresses (169.254.0.0/16, fe80::/10), cloud metadata services, multicast and
  reserved addresses are never contacted;
- private (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7, ...) and loopback addresses only
  when the article's seed itself is on such an address, or the settings allow them
  (``allow_private_targets``, ``allow_loopback_targets``);
- public addresses always.

It is checked on every hop at the socket: ``GuardedBackend`` resolves a host name itself,
checks every address it got, and connects to a checked address (never to the name again), so
DNS rebinding between the check and the connection cannot slip through. The policy in force is
the calling task's (``policy_scope``), so each article carries its own seed's allowance.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import os
import socket
import typing
from collections.abc import Awaitable, Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from enum import StrEnum

import httpcore

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# host, port -> the addresses to try, in order. Tests inject one that never asks DNS.
Resolver = Callable[[str, int], Awaitable[list[str]]]

# Well-known metadata endpoints of cloud providers (AWS, GCP, Azure, OCI: 169.254.169.254; AWS
# ECS task metadata; AWS IPv6; Alibaba; Oracle Classic). Most are link-local anyway; listed so
# that the ones that are not (Alibaba's is in 100.64/10) are refused even when private is allowed.
METADATA_ADDRESSES = frozenset(ipaddress.ip_address(a) for a in (
    "169.254.169.254", "169.254.170.2", "169.254.169.123", "fd00:ec2::254", "100.100.100.200", "192.0.0.192",
))
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class AddressKind(StrEnum):
    PUBLIC = "public"
    PRIVATE = "private"
    LOOPBACK = "loopback"
    LINK_LOCAL = "link-local"
    METADATA = "cloud metadata"
    RESERVED = "reserved, unspecified or multicast"


# Kinds a seed's own address may open up for its article; the others are never opened.
SEED_WIDENS = frozenset({AddressKind.PRIVATE, AddressKind.LOOPBACK})


class TargetRefused(Exception):
    """A connection the policy forbids; raised before any packet is sent to ``address``."""

    def __init__(self, host: str, address: str, kind: AddressKind) -> None:
        shown = host if host == address else f"{host} ({address})"
        super().__init__(f"refused by the capture target policy: {shown} is a {kind} address")
        self.host = host
        self.address = address
        self.kind = kind


def parse_ip(text: str) -> IPAddress | None:
    """The IP address a host string spells (brackets and an IPv6 zone allowed), or None."""
    text = text.strip("[]").split("%", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def classify(ip: IPAddress) -> AddressKind:
    """The kind of an address. IPv4 embedded in IPv6 counts as that IPv4 address:
    ``::ffff:169.254.169.254`` reaches the metadata service as surely as the dotted form. Through
    a NAT64 or 6to4 gateway, an embedded loopback address is the gateway's own host: private."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return classify(ip.ipv4_mapped)
        gatewayed = ip.sixtofour or (ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF) if ip in _NAT64 else None)
        if gatewayed is not None:
            kind = classify(gatewayed)
            return AddressKind.PRIVATE if kind is AddressKind.LOOPBACK else kind
    if ip in METADATA_ADDRESSES:
        return AddressKind.METADATA
    if ip.is_loopback:
        return AddressKind.LOOPBACK
    if ip.is_link_local:
        return AddressKind.LINK_LOCAL
    # 0.0.0.0 and :: are not addresses a page can mean (connecting to them reaches this host).
    if ip.is_multicast or ip.is_reserved or ip.is_unspecified:
        return AddressKind.RESERVED
    if ip.is_global:
        return AddressKind.PUBLIC
    return AddressKind.PRIVATE


@dataclass(frozen=True)
class TargetPolicy:
    """The address kinds one article may connect to."""

    allowed: frozenset[AddressKind] = frozenset({AddressKind.PUBLIC})

    @classmethod
    def from_flags(cls, *, private: bool, loopback: bool) -> TargetPolicy:
        kinds = {AddressKind.PUBLIC}
        if private:
            kinds.add(AddressKind.PRIVATE)
        if loopback:
            kinds.add(AddressKind.LOOPBACK)
        return cls(frozenset(kinds))

    def widened_for_seed(self, seed_kinds: typing.Iterable[AddressKind]) -> TargetPolicy:
        """This policy plus the private or loopback kind the seed itself is on."""
        extra = SEED_WIDENS.intersection(seed_kinds)
        return self if extra <= self.allowed else TargetPolicy(self.allowed | extra)

    def check(self, host: str, address: str) -> None:
        """Raise TargetRefused unless ``address`` (an IP literal) may be contacted."""
        ip = parse_ip(address)
        if ip is None:
            raise TargetRefused(host, address, AddressKind.RESERVED)
        kind = classify(ip)
        if kind not in self.allowed:
            raise TargetRefused(host, address, kind)


_current: ContextVar[TargetPolicy | None] = ContextVar("capture_target_policy", default=None)


@contextlib.contextmanager
def policy_scope(policy: TargetPolicy) -> Iterator[None]:
    """Make ``policy`` the one in force for this task and the tasks it starts."""
    token = _current.set(policy)
    try:
        yield
    finally:
        _current.reset(token)


def current_policy(default: TargetPolicy) -> TargetPolicy:
    return _current.get() or default


async def system_resolver(host: str, port: int) -> list[str]:
    """Addresses for ``host`` from the system resolver, in its order, without duplicates."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def screen(policy: TargetPolicy, host: str, addresses: list[str]) -> tuple[list[str], TargetRefused | None]:
    """The addresses of ``host`` that ``policy`` allows, in order, and the first refusal."""
    allowed: list[str] = []
    refusal: TargetRefused | None = None
    for address in addresses:
        try:
            policy.check(host, address)
        except TargetRefused as exc:
            refusal = refusal or exc
        else:
            allowed.append(address)
    return allowed, refusal


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's AnyIO backend behind the target policy: resolve, check, then connect to the
    checked address. A refusal raises TargetRefused before any connection attempt."""

    def __init__(self, default: TargetPolicy, resolver: Resolver = system_resolver) -> None:
        self._default = default
        self._resolve = resolver
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
        socket_options: typing.Iterable[typing.Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        policy = current_policy(self._default)
        allowed, refusal = screen(policy, host, await self.resolve(host, port, timeout))
        if not allowed:
            raise refusal or httpcore.ConnectError(f"{host} resolved to no address")
        error: Exception | None = None
        for address in allowed:
            ip = parse_ip(address)
            if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
                address = str(ip.ipv4_mapped)  # the same host, reachable without IPv6
            try:
                return await self._inner.connect_tcp(address, port, timeout, local_address, socket_options)
            except httpcore.ConnectError as exc:
                error = httpcore.ConnectError(f"cannot connect to {address} port {port}: {_root_cause(exc)}")
        assert error is not None
        raise error

    async def resolve(self, host: str, port: int, timeout: float | None) -> list[str]:
        """Addresses of ``host`` (an IP literal is its own), as httpcore errors on failure."""
        if parse_ip(host) is not None:
            return [host.strip("[]")]
        try:
            async with asyncio.timeout(timeout):
                addresses = await self._resolve(host, port)
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(f"resolving {host} timed out") from exc
        except (OSError, UnicodeError) as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        if not addresses:
            raise httpcore.ConnectError(f"{host} resolved to no address")
        return addresses

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: typing.Iterable[typing.Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("captures never connect to Unix sockets")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def _root_cause(exc: BaseException) -> str:
    """The innermost error's message: AnyIO says "All connection attempts failed" and keeps the
    errno ("Connection refused") in the exception it chains."""
    while (inner := exc.__cause__ or exc.__context__) is not None:
        exc = inner
    if isinstance(exc, OSError) and exc.errno:
        return os.strerror(exc.errno)  # asyncio's text ("Connect call failed") hides the reason
    return str(exc) or type(exc).__name__


class AddressBook:
    """Early answers for the session: the kinds of address a URL's host is on, resolved once
    per host and run. Used to widen an article's policy for its seed and to refuse a target
    before robots.txt or anything else is fetched for it. Not the guard itself: that is
    GuardedBackend, which resolves again at connect time and checks what it connects to."""

    def __init__(self, resolver: Resolver = system_resolver, *, timeout: float | None = None) -> None:
        self._resolve = resolver
        self._timeout = timeout
        self._known: dict[tuple[str, int], asyncio.Future[list[str]]] = {}

    async def addresses(self, host: str, port: int) -> list[str]:
        """The host's addresses; [] when it cannot be resolved (the fetch then reports why)."""
        if parse_ip(host) is not None:
            return [host.strip("[]")]
        key = (host, port)
        future = self._known.get(key)
        if future is None:
            future = self._known[key] = asyncio.get_running_loop().create_future()
            try:
                async with asyncio.timeout(self._timeout):
                    found = await self._resolve(host, port)
            except (OSError, UnicodeError, TimeoutError):
                found = []
            except BaseException as exc:
                del self._known[key]
                future.set_exception(exc)
                future.exception()
                raise
            future.set_result(found)
        return list(await asyncio.shield(future))

    async def kinds(self, host: str, port: int) -> set[AddressKind]:
        kinds = set()
        for address in await self.addresses(host, port):
            ip = parse_ip(address)
            kinds.add(classify(ip) if ip is not None else AddressKind.RESERVED)
        return kinds

    async def refusal(self, host: str, port: int, policy: TargetPolicy) -> TargetRefused | None:
        """Why ``policy`` refuses every address of the host, or None if one may be tried."""
        allowed, refused = screen(policy, host, await self.addresses(host, port))
        return None if allowed else refused
