"""Fixtures shared by every test folder: third-party test data, the demo site, the fault server,
one Prefect test harness per session, and a guard that fails any test contacting a host outside
127.0.0.0/8."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
TESTDATA = REPO.parent / "shared" / "testdata"


@pytest.fixture(scope="session")
def testdata() -> Path:
    """../shared/testdata (third-party WARCs, bags, WACZ); skip when this checkout lacks it."""
    if not TESTDATA.is_dir():
        pytest.skip(f"third-party test data not found at {TESTDATA} (it lives beside the repo as shared/testdata)")
    return TESTDATA


_outside: list[object] = []
_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _check_address(address: object) -> None:
    if isinstance(address, tuple) and address:
        host = address[0]
        if host == "localhost":
            return
        try:
            ip = ipaddress.ip_address(host)
        except ValueError:
            _outside.append(address)
            raise ConnectionRefusedError(f"test tried to contact {host!r} by name; tests use 127.0.0.1 only") from None
        if not ip.is_loopback:
            _outside.append(address)
            raise ConnectionRefusedError(f"test tried to contact {address!r}: tests never leave 127.0.0.0/8")


def _guarded_connect(self: socket.socket, address: object) -> None:
    _check_address(address)
    return _real_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: object) -> int:
    _check_address(address)
    return _real_connect_ex(self, address)


@pytest.fixture(scope="session", autouse=True)
def loopback_only() -> Iterator[list[object]]:
    """Refuse (and remember) any connection to an address outside 127.0.0.0/8 during the run."""
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]
    try:
        yield _outside
    finally:
        socket.socket.connect = _real_connect  # type: ignore[method-assign]
        socket.socket.connect_ex = _real_connect_ex  # type: ignore[method-assign]


@pytest.fixture(scope="session")
def demo_server() -> Iterator[object]:
    from archive.demo.server import DemoServer

    with DemoServer() as server:
        yield server


@pytest.fixture()
def fault_server() -> Iterator[object]:
    from tests.helpers.faultserver import FaultServer

    server = FaultServer()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(scope="session")
def prefect_harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """One temporary Prefect API and database for the whole session (its set-up costs ~20 s)."""
    import os

    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield
