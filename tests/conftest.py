"""Fixtures shared by every test folder: third-party test data, the demo site, the fault server,
one Prefect server per session, and a guard that fails any test contacting a host outside
127.0.0.0/8."""

from __future__ import annotations

import ipaddress
import os
import shutil
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
TESTDATA = REPO.parent / "shared" / "testdata"

# The whole session, and every `archive` process it starts, keeps Prefect state in a PREFECT_HOME
# of its own (never the checkout's .prefect, never a server the developer runs): set before any
# test imports Prefect, which reads its settings once, at import. The one server the session
# needs is started there on first use and stopped in pytest_sessionfinish.
SESSION_PREFECT_HOME = Path(tempfile.mkdtemp(prefix="archive-tests-prefect-"))
os.environ["PREFECT_HOME"] = str(SESSION_PREFECT_HOME)
os.environ.pop("PREFECT_API_URL", None)
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ["DO_NOT_TRACK"] = "1"
os.environ.setdefault("PREFECT_SERVER_UI_ENABLED", "false")  # nobody looks at it; it only costs start-up


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    import sys

    from archive.orchestrator import stop_server

    if "prefect" in sys.modules:
        # Prefect sends logs and events from background workers at exit; send them while the
        # server still answers, or each one ends in an "Error logging to API" on stderr.
        from prefect.events.worker import EventsWorker
        from prefect.logging.handlers import APILogWorker

        APILogWorker.drain_all(timeout=30)
        EventsWorker.drain_all(timeout=30)
    stop_server(SESSION_PREFECT_HOME)
    shutil.rmtree(SESSION_PREFECT_HOME, ignore_errors=True)


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


def _guarded_connect(self: socket.socket, address: Any) -> None:
    _check_address(address)
    return _real_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: Any) -> int:
    _check_address(address)
    return _real_connect_ex(self, address)


@pytest.fixture(scope="session", autouse=True)
def loopback_only() -> Iterator[list[object]]:
    """Refuse (and remember) any connection to an address outside 127.0.0.0/8 during the run."""
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign, assignment]
    socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign, assignment]
    try:
        yield _outside
    finally:
        socket.socket.connect = _real_connect  # type: ignore[method-assign, assignment]
        socket.socket.connect_ex = _real_connect_ex  # type: ignore[method-assign, assignment]


@pytest.fixture(scope="session")
def demo_server() -> Iterator[object]:
    from archive_app.demo.server import DemoServer

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
def prefect_server() -> Iterator[str]:
    """The session's Prefect server (the same one `archive` commands start and reuse, in the
    session's PREFECT_HOME), its API URL set for this process and for child processes."""
    from archive.orchestrator import ensure_server

    url = ensure_server(SESSION_PREFECT_HOME).url
    os.environ["PREFECT_API_URL"] = url
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(updates={PREFECT_API_URL: url}):
        yield url


@pytest.fixture(scope="session")
def prefect_harness(prefect_server: str) -> Iterator[None]:
    """Flows run by the tests go to the session's server (name kept from Prefect's test harness,
    which started a second server of its own)."""
    yield
