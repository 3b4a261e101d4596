"""The socket the project's Prefect server serves on (uvicorn ``--fd``)."""

from __future__ import annotations

import socket

from archive.orchestrator.server import listening_socket


def test_connections_the_server_accepts_send_without_waiting_for_delayed_acks() -> None:
    # uvicorn treats an inherited fd as a Unix socket and so never sets TCP_NODELAY itself:
    # without it on the listener, each keep-alive API request stalled about 45 ms.
    listener = listening_socket()
    try:
        host, port = listener.getsockname()
        assert host == "127.0.0.1" and port > 0
        with socket.create_connection((host, port), timeout=30) as client:
            accepted, _ = listener.accept()
            with accepted:
                assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
                client.sendall(b"ping")
                assert accepted.recv(4) == b"ping"
    finally:
        listener.close()
