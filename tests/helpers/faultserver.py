"""A deliberately misbehaving HTTP server on 127.0.0.1, built on raw sockets so that every fault
(resets, stalls, lies about length, endless streams) is exactly what a real broken server does."""

from __future__ import annotations

import gzip
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

Handler = Callable[[socket.socket, "FaultServer", str], None]


def _send(conn: socket.socket, status: str, headers: list[tuple[str, str]], body: bytes = b"") -> None:
    head = f"HTTP/1.1 {status}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers) + "\r\n"
    conn.sendall(head.encode("latin-1") + body)


def _ok(body: bytes, ctype: str = "text/html; charset=utf-8", extra: list[tuple[str, str]] | None = None):
    def handler(conn: socket.socket, server: FaultServer, path: str) -> None:
        headers = [("Content-Type", ctype), ("Content-Length", str(len(body))), ("Connection", "close")]
        _send(conn, "200 OK", headers + (extra or []), body)
    return handler


def _status(status: str, headers: list[tuple[str, str]] | None = None, body: bytes = b"nope"):
    def handler(conn: socket.socket, server: FaultServer, path: str) -> None:
        base = [("Content-Type", "text/plain"), ("Content-Length", str(len(body))), ("Connection", "close")]
        _send(conn, status, base + (headers or []), body)
    return handler


def _reset_mid_body(conn: socket.socket, server: FaultServer, path: str) -> None:
    _send(conn, "200 OK", [("Content-Type", "image/jpeg"), ("Content-Length", "100000")], b"\xff\xd8" + b"x" * 998)
    time.sleep(0.05)
    # SO_LINGER 0 makes close() send RST: a real connection reset, not a clean end.
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def _never_answer(conn: socket.socket, server: FaultServer, path: str) -> None:
    server.stopping.wait(30)


def _stall_mid_body(conn: socket.socket, server: FaultServer, path: str) -> None:
    _send(conn, "200 OK", [("Content-Type", "image/png"), ("Content-Length", "5000")], b"\x89PNG" + b"p" * 496)
    server.stopping.wait(30)


def _big(conn: socket.socket, server: FaultServer, path: str) -> None:
    size = int(path.rsplit("/", 1)[-1])
    _send(conn, "200 OK", [("Content-Type", "application/octet-stream"), ("Content-Length", str(size))])
    block = b"\0" * 65536
    sent = 0
    try:
        while sent < size:
            chunk = block[: min(len(block), size - sent)]
            conn.sendall(chunk)
            sent += len(chunk)
    except OSError:
        pass  # the client stopped reading at its limit


def _endless_chunked(conn: socket.socket, server: FaultServer, path: str) -> None:
    _send(conn, "200 OK", [("Content-Type", "text/plain"), ("Transfer-Encoding", "chunked")])
    chunk = b"tick\n" * 200
    try:
        while not server.stopping.is_set():
            conn.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            time.sleep(0.001)
    except OSError:
        pass


def _chunked(conn: socket.socket, server: FaultServer, path: str) -> None:
    _send(conn, "200 OK", [("Content-Type", "text/plain"), ("Transfer-Encoding", "chunked"), ("Connection", "close")])
    for part in (b"hello ", b"chunked ", b"world"):
        conn.sendall(b"%x\r\n%s\r\n" % (len(part), part))
    conn.sendall(b"0\r\n\r\n")


def _short_body(conn: socket.socket, server: FaultServer, path: str) -> None:
    # Promises 1000 bytes, sends 10, closes: a wrong Content-Length.
    _send(conn, "200 OK", [("Content-Type", "text/plain"), ("Content-Length", "1000"), ("Connection", "close")], b"0123456789")


def _first_then_ok(first: Handler) -> Handler:
    def handler(conn: socket.socket, server: FaultServer, path: str) -> None:
        n = server.count(path)
        (first if n == 1 else _ok(b"recovered", "text/plain"))(conn, server, path)
    return handler


def _reset_once_then_page(conn: socket.socket, server: FaultServer, path: str) -> None:
    if server.count(path) == 1:
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        return  # RST before any response: a transient failure of the page itself
    _ok(b"<html><head><title>Back</title></head><body><h1>Back again</h1></body></html>")(conn, server, path)


def _loop(conn: socket.socket, server: FaultServer, path: str) -> None:
    target = "/loop/b" if path == "/loop/a" else "/loop/a"
    _status("302 Found", [("Location", target)])(conn, server, path)


def _chain(conn: socket.socket, server: FaultServer, path: str) -> None:
    n = int(path.rsplit("/", 1)[-1])
    if n <= 0:
        _ok(b"end of chain", "text/plain")(conn, server, path)
    else:
        _status("301 Moved Permanently", [("Location", f"/chain/{n - 1}")])(conn, server, path)


ARABIC_1256 = "<html><head><meta charset='utf-8'><title>خبر</title></head><body><h1>الأنبار</h1></body></html>".encode("cp1256")
PAGE = b"""<html><head><title>Faulty page</title><link rel=stylesheet href="/chunked"></head><body>
<h1>A page whose requisites misbehave</h1>
<img src="/reset"><img src="/stall"><img src="/big/5000000"><img src="/loop/a">
<img src="/short"><img src="/404"><img src="/flaky"><img src="/ok.png"><img src="/endless">
</body></html>"""


@dataclass
class FaultServer:
    host: str = "127.0.0.1"
    routes: dict[str, Handler] = field(default_factory=dict)
    log: list[tuple[float, str]] = field(default_factory=list)
    stopping: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self.routes = {
            "/page": _ok(PAGE),
            "/reset": _reset_mid_body,
            "/never": _never_answer,
            "/stall": _stall_mid_body,
            "/endless": _endless_chunked,
            "/chunked": _chunked,
            "/short": _short_body,
            "/wrong-charset": _ok(ARABIC_1256, "text/html; charset=utf-8"),
            "/gzip": _ok(gzip.compress(b"<html>zipped</html>"), "text/html", [("Content-Encoding", "gzip")]),
            "/404": _status("404 Not Found"),
            "/flaky": _first_then_ok(_status("503 Service Unavailable")),
            "/always-503": _status("503 Service Unavailable"),
            "/retry-after": _first_then_ok(_status("429 Too Many Requests", [("Retry-After", "1")])),
            "/ok.png": _ok(b"\x89PNG\r\n\x1a\n" + b"i" * 100, "image/png"),
            "/robots.txt": _status("404 Not Found"),
            "/reset-once": _reset_once_then_page,
            "/big": _big,
            "/loop": _loop,
            "/chain": _chain,
            **self.routes,
        }
        self._lock = threading.Lock()
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((self.host, 0))
        self._sock.listen(64)
        self.port = self._sock.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.port}"

    def url(self, path: str) -> str:
        return self.base + path

    def count(self, path: str) -> int:
        with self._lock:
            return sum(1 for _, p in self.log if p == path)

    def times(self, path: str) -> list[float]:
        with self._lock:
            return [t for t, p in self.log if p == path]

    def _serve(self) -> None:
        self._sock.settimeout(0.2)
        while not self.stopping.is_set():
            try:
                conn, _ = self._sock.accept()
            except (TimeoutError, OSError):
                continue
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        try:
            conn.settimeout(10)
            data = b""
            while b"\r\n\r\n" not in data:
                part = conn.recv(4096)
                if not part:
                    return
                data += part
            path = data.split(b" ", 2)[1].decode("latin-1").split("?")[0]
            with self._lock:
                self.log.append((time.monotonic(), path))
            handler = self.routes.get(path)
            if handler is None:
                handler = next((h for p, h in self.routes.items() if path.startswith(p + "/")), None)
            (handler or _status("404 Not Found"))(conn, self, path)
        except OSError:
            pass
        finally:
            conn.close()

    def close(self) -> None:
        self.stopping.set()
        self._sock.close()
        self._thread.join(timeout=2)
