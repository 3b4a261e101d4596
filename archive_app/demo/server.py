"""The bundled demo news site and a real HTTP/1.1 server for it, on 127.0.0.1 only.

Used by tests (capture, extraction, packaging, replay), by ``archive demo`` and by the
benchmarks. It is a stand-in for a remote news site, so it behaves like one: keep-alive,
gzip when asked, one chunked response, redirects, a 404, a robots.txt, conditional requests.

URL map of the static demo site (``SITE_ROOT``, files under ``archive_app/demo/site/``):

==========================================  ===============================================
``/`` and ``/index.html``                   front page: links to the three editions
``/en/2018/03/amnesty-or-disgrace.html``    English article (UTF-8), every requisite kind
``/ar/2018/03/amnesty-or-disgrace.html``    Arabic edition, RTL, bytes in windows-1256
``/ku/2018/03/amnesty-or-disgrace.html``    Kurdish (Sorani) edition, RTL, UTF-8
``/old/amnesty-or-disgrace``                301 to the English article
``/static/img/old/parade.jpg``              301 to ``/static/img/parade.jpg``
``/static/img/missing-map.jpg``             404 (referenced by the English article)
``/static/js/site.js``                      sent with ``Transfer-Encoding: chunked``
``/static/img/share/police-anbar.jpg``      byte-identical to ``police-anbar-960.jpg``
``/private/pixel.gif``                      tracking pixel; served, but robots.txt disallows
``/robots.txt``, ``/feed.xml``,             ``{base_url}`` in these is replaced by the
``/sitemap.xml``                            server's base URL when served
``/favicon.ico``                            a real ICO
==========================================  ===============================================

Who owns what: :class:`DemoServer` owns its listening socket, its serving thread and every
open connection, and closes them all in :meth:`DemoServer.stop`. A :class:`Site` only maps a
request path to a :class:`Resource` or :class:`Redirect`; the server owns the HTTP framing
(gzip, chunking, conditional requests, latency). File bodies are streamed from disk; only
text files that are gzipped are read whole (they are small, and the result is cached).
"""

from __future__ import annotations

import argparse
import email.utils
import gzip
import hashlib
import http.server
import io
import ipaddress
import re
import shutil
import socket
import socketserver
import sys
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import BinaryIO, Protocol
from urllib.parse import unquote

__all__ = [
    "DEMO_ARTICLES",
    "DEMO_CHUNKED",
    "DEMO_MISSING",
    "DEMO_REDIRECTS",
    "DEMO_ROBOTS_DISALLOWED",
    "DemoServer",
    "Redirect",
    "Resource",
    "SITE_ROOT",
    "Site",
    "StaticSite",
    "main",
]

SITE_ROOT = Path(__file__).resolve().parent / "site"

DEMO_ARTICLES: tuple[str, ...] = (
    "/en/2018/03/amnesty-or-disgrace.html",
    "/ar/2018/03/amnesty-or-disgrace.html",
    "/ku/2018/03/amnesty-or-disgrace.html",
)
DEMO_REDIRECTS: Mapping[str, str] = {
    "/old/amnesty-or-disgrace": "/en/2018/03/amnesty-or-disgrace.html",
    "/static/img/old/parade.jpg": "/static/img/parade.jpg",
}
DEMO_CHUNKED: frozenset[str] = frozenset({"/static/js/site.js"})
#: Referenced by the English article on purpose, and absent: the server answers 404.
DEMO_MISSING: frozenset[str] = frozenset({"/static/img/missing-map.jpg"})
#: Served by the server, but robots.txt disallows it: a polite crawler must skip it.
DEMO_ROBOTS_DISALLOWED: frozenset[str] = frozenset({"/private/pixel.gif"})

#: Replaced by the server's base URL in templated files (feeds and sitemaps need absolute URLs,
#: and the port is only known once the server is listening).
BASE_URL_TOKEN = b"{base_url}"
TEMPLATED_SUFFIXES = frozenset({".xml", ".txt"})

CHUNK_SIZE = 512  # small on purpose: the chunked resource arrives in several chunks
COPY_BUFFER = 64 * 1024

_CONTENT_TYPES = {
    ".html": "text/html",
    ".htm": "text/html",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".ico": "image/x-icon",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".mp4": "video/mp4",
}
_COMPRESSIBLE = frozenset(
    {
        "text/html",
        "text/css",
        "text/javascript",
        "application/javascript",
        "application/xml",
        "application/rss+xml",
        "image/svg+xml",
    }
)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)


# --- what a site hands the server --------------------------------------------------------------


@dataclass(frozen=True)
class Resource:
    """One representation to send: a file streamed from disk, or bytes held in memory.

    Exactly one of ``file`` and ``data`` is set. ``size`` is the identity-encoded length.
    ``chunked`` asks the server to send it with ``Transfer-Encoding: chunked``.
    """

    content_type: str
    size: int
    etag: str
    last_modified: float
    file: Path | None = None
    data: bytes | None = None
    chunked: bool = False

    def open(self) -> BinaryIO:
        """A new binary stream over the body; the caller owns it and must close it."""
        if self.file is not None:
            return self.file.open("rb")
        return io.BytesIO(self.data or b"")

    @property
    def media_type(self) -> str:
        return self.content_type.split(";", 1)[0].strip().lower()


@dataclass(frozen=True)
class Redirect:
    """Send ``status`` with ``Location``; a location starting with ``/`` is made absolute."""

    location: str
    status: int = 301


class Site(Protocol):
    """What :class:`DemoServer` serves. Implementations never touch sockets or HTTP framing."""

    latency: float

    def resolve(self, path: str, base_url: str) -> Resource | Redirect | None:
        """Map a decoded, traversal-free request path to a response; ``None`` means 404."""
        ...

    def article_paths(self) -> list[str]:
        """Paths of the article pages a capture should be pointed at, most important first."""
        ...


class StaticSite:
    """Files under ``root`` plus a few configured redirects; the bundled demo site by default."""

    def __init__(
        self,
        root: Path = SITE_ROOT,
        *,
        redirects: Mapping[str, str] = DEMO_REDIRECTS,
        chunked: Iterable[str] = DEMO_CHUNKED,
        articles: Iterable[str] = DEMO_ARTICLES,
        latency: float = 0.0,
    ) -> None:
        self.root = Path(root).resolve()
        if not self.root.is_dir():
            raise ValueError(f"demo site root {self.root} is not a folder")
        self.redirects = dict(redirects)
        self.chunked = frozenset(chunked)
        self.articles = list(articles)
        self.latency = latency
        from archive_app.demo.changing import (
            ChangingPages,  # pages edited between captures (versions)
        )

        self.changing = ChangingPages()

    def article_paths(self) -> list[str]:
        return list(self.articles)

    def resolve(self, path: str, base_url: str) -> Resource | Redirect | None:
        if path.startswith("/changing/"):
            return self.changing.resolve(path)
        if path in self.redirects:
            return Redirect(self.redirects[path])
        parts = [p for p in path.split("/") if p]
        if any(p.startswith(".") for p in parts):  # no dotfiles, no "..", ever
            return None
        candidate = self.root.joinpath(*parts)
        if candidate.is_dir():
            candidate = candidate / "index.html"
        try:
            real = candidate.resolve(strict=True)
        except (OSError, RuntimeError):
            return None
        if not real.is_relative_to(self.root) or not real.is_file():
            return None  # a symlink pointing outside the site, or a special file
        st = real.stat()
        content_type = self._content_type(real)
        chunked = path in self.chunked
        if real.suffix in TEMPLATED_SUFFIXES:
            data = real.read_bytes().replace(BASE_URL_TOKEN, base_url.encode("ascii"))
            digest = hashlib.sha256(data).hexdigest()[:20]
            return Resource(content_type, len(data), f'"{digest}"', st.st_mtime, data=data, chunked=chunked)
        etag = f'"{st.st_mtime_ns:x}-{st.st_size:x}"'
        return Resource(content_type, st.st_size, etag, st.st_mtime, file=real, chunked=chunked)

    @staticmethod
    def _content_type(path: Path) -> str:
        suffix = path.suffix.lower()
        content_type = _CONTENT_TYPES.get(suffix, "application/octet-stream")
        if suffix in (".html", ".htm"):
            # Send the charset the page itself declares, as a well-configured server would.
            with path.open("rb") as f:
                match = _META_CHARSET.search(f.read(1024))
            charset = match.group(1).decode("ascii").lower() if match else "utf-8"
            return f"{content_type}; charset={charset}"
        if suffix == ".xml":
            with path.open("rb") as f:
                if b"<rss" in f.read(512):
                    return "application/rss+xml; charset=utf-8"
        return content_type


def _bundled_site() -> Site:
    from archive_app.demo.jspages import with_js_pages  # it builds on this module's StaticSite

    return with_js_pages(StaticSite(SITE_ROOT))


# --- the HTTP side ------------------------------------------------------------------------------


def _check_host(host: str) -> None:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if not host.startswith("127.") or address is None or not address.is_loopback:
        raise ValueError(f"the demo server binds only to 127.0.0.0/8 addresses, not {host!r}")


def _clean_path(target: str) -> str | None:
    """Decode a request target into a path, or ``None`` if it is malformed or tries traversal."""
    if target.startswith(("http://", "https://")):  # absolute-form (a proxy-style request)
        rest = target.split("://", 1)[1]
        target = "/" + rest.split("/", 1)[1] if "/" in rest else "/"
    raw = target.split("#", 1)[0].split("?", 1)[0]
    if not raw.startswith("/"):
        return None
    try:
        path = unquote(raw, errors="strict") if "%" in raw else raw
    except UnicodeDecodeError:
        return None
    if "\x00" in path or "\\" in path:
        return None
    if any(segment in (".", "..") for segment in path.split("/")):
        return None
    return path


def _accepts_gzip(accept_encoding: str) -> bool:
    for item in accept_encoding.split(","):
        coding, _, params = item.strip().partition(";")
        if coding.strip().lower() not in ("gzip", "x-gzip", "*"):
            continue
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        return q > 0
    return False


def _http_date(timestamp: float) -> str:
    return email.utils.formatdate(timestamp, usegmt=True)


class _HTTPServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 128  # a capture client opens ~16 keep-alive connections at once

    def __init__(self, address: tuple[str, int], owner: DemoServer) -> None:
        self.owner = owner
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind calls socket.getfqdn(), a DNS lookup we neither need nor want.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def handle_error(self, request: socket.socket | tuple[bytes, socket.socket], client_address: object) -> None:
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)) or self.owner.quiet:
            return
        super().handle_error(request, client_address)

    def close_connections(self) -> None:
        with self.connections_lock:
            connections = list(self.connections)
        for conn in connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Without this, keep-alive responses stall ~40 ms each (Nagle against delayed ACKs).
    disable_nagle_algorithm = True
    server_version = "NiqashDemo/1.0"
    sys_version = ""
    timeout = 30  # an idle keep-alive connection is dropped after this many seconds
    server: _HTTPServer

    # -- connection bookkeeping, so that stop() can close idle keep-alive connections

    def setup(self) -> None:
        super().setup()
        with self.server.connections_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        with self.server.connections_lock:
            self.server.connections.discard(self.connection)
        try:
            super().finish()
        except OSError:
            pass

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (stdlib name)
        if not self.server.owner.quiet:
            super().log_message(format, *args)

    # -- methods

    def do_GET(self) -> None:
        self._serve(head=False)

    def do_HEAD(self) -> None:
        self._serve(head=True)

    def _refuse(self) -> None:
        self.server.owner.record_request(self.command, self.path)
        self.close_connection = True  # the request body, if any, is not read
        self._send_page(405, "Method Not Allowed", {"Allow": "GET, HEAD", "Connection": "close"})

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _refuse

    # -- responses

    def _serve(self, *, head: bool) -> None:
        owner = self.server.owner
        owner.record_request(self.command, self.path)
        if self.headers.get("Content-Length", "0").strip() not in ("", "0") or "Transfer-Encoding" in self.headers:
            self.close_connection = True  # a body we do not read would corrupt the next request
        if owner.latency > 0:
            time.sleep(owner.latency)
        try:
            path = _clean_path(self.path)
            result = owner.site.resolve(path, owner.base_url) if path is not None else None
            if result is None:
                self._send_page(404, "Not Found", head=head)
            elif isinstance(result, Redirect):
                location = owner.base_url + result.location if result.location.startswith("/") else result.location
                self._send_page(result.status, "Moved Permanently", {"Location": location}, head=head)
            else:
                self._send_resource(result, head=head)
        except (ConnectionError, TimeoutError):
            self.close_connection = True

    def _send_page(
        self, status: int, title: str, headers: Mapping[str, str] | None = None, *, head: bool = False
    ) -> None:
        body = (
            f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{status} {title}</title></head>'
            f"<body><h1>{status} {title}</h1></body></html>\n"
        ).encode()
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _send_resource(self, res: Resource, *, head: bool) -> None:  # noqa: C901 (issue 12: split into named steps after the merge)
        owner = self.server.owner
        compressible = res.media_type in _COMPRESSIBLE
        gzipped = compressible and _accepts_gzip(self.headers.get("Accept-Encoding", ""))
        etag = res.etag[:-1] + '-gzip"' if gzipped else res.etag
        headers: dict[str, str] = {
            "Content-Type": res.content_type,
            "Last-Modified": _http_date(res.last_modified),
            "ETag": etag,
            "Cache-Control": "public, max-age=300",
        }
        if compressible:
            headers["Vary"] = "Accept-Encoding"

        if self._not_modified(etag, res.last_modified):
            self.send_response(304)
            for name in ("ETag", "Last-Modified", "Cache-Control", "Vary"):
                if name in headers:
                    self.send_header(name, headers[name])
            self.end_headers()
            return

        body: BinaryIO
        if gzipped:
            data = owner.gzipped(res)
            headers["Content-Encoding"] = "gzip"
            size, body = len(data), io.BytesIO(data)
        else:
            size, body = res.size, res.open()
        with body:
            chunked = res.chunked and self.request_version != "HTTP/1.0"
            if chunked:
                headers["Transfer-Encoding"] = "chunked"
            else:
                headers["Content-Length"] = str(size)
            self.send_response(200)
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            if head:
                return
            if chunked:
                while block := body.read(CHUNK_SIZE):
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(block), block))
                self.wfile.write(b"0\r\n\r\n")
            else:
                shutil.copyfileobj(body, self.wfile, COPY_BUFFER)

    def _not_modified(self, etag: str, last_modified: float) -> bool:
        if_none_match = self.headers.get("If-None-Match")
        if if_none_match is not None:
            tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
            return "*" in tags or etag in tags
        if_modified_since = self.headers.get("If-Modified-Since")
        if if_modified_since:
            try:
                since = email.utils.parsedate_to_datetime(if_modified_since).timestamp()
            except (TypeError, ValueError):
                return False
            return int(last_modified) <= since
        return False


# --- the public object --------------------------------------------------------------------------


class DemoServer:
    """A threaded HTTP/1.1 server for a :class:`Site` on 127.0.0.1, started and stopped by you.

    ``DemoServer()`` serves the bundled demo site; ``DemoServer(root)`` serves another folder
    the same way; ``DemoServer(site=GeneratedSite(...))`` serves the synthetic benchmark site
    (see :mod:`archive_app.demo.generated`). ``latency`` (seconds, slept before answering each
    request) defaults to the site's own (``0.0`` for static sites).

    The server owns its socket, thread and connections; :meth:`stop` (or leaving the ``with``
    block) closes them all, including idle keep-alive connections. ``request_log`` records
    ``(method, request target)`` of every request received, in arrival order.

    Raises ``ValueError`` for a host outside 127.0.0.0/8, ``OSError`` if the port is taken.
    """

    def __init__(
        self,
        root: Path | None = None,
        *,
        site: Site | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        latency: float | None = None,
        quiet: bool = True,
    ) -> None:
        _check_host(host)
        if root is not None and site is not None:
            raise ValueError("give DemoServer a root folder or a site, not both")
        if latency is not None and latency < 0:
            raise ValueError(f"latency must be >= 0, not {latency}")
        self.site: Site = site if site is not None else StaticSite(root) if root is not None else _bundled_site()
        self.host = host
        self.quiet = quiet
        self.request_log: list[tuple[str, str]] = []
        self._requested_port = port
        self._latency = latency
        self._log_lock = threading.Lock()
        self._state_lock = threading.Lock()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._base_url: str | None = None
        self._gzip_cache: dict[tuple[str, str], bytes] = {}
        self._gzip_lock = threading.Lock()

    # -- addresses

    @property
    def latency(self) -> float:
        return self._latency if self._latency is not None else float(self.site.latency)

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("the demo server is not running: call start() first")
        return self._httpd.server_port

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``, without a trailing slash. Only while running."""
        if self._base_url is None:
            raise RuntimeError("the demo server is not running: call start() first")
        return self._base_url

    def url(self, path: str) -> str:
        """The absolute URL of ``path`` on this server (a leading ``/`` is added if missing)."""
        return self.base_url + (path if path.startswith("/") else "/" + path)

    def article_urls(self) -> list[str]:
        """Absolute URLs of the site's articles; for the demo site the three editions, English first."""
        return [self.url(p) for p in self.site.article_paths()]

    # -- lifecycle

    def start(self) -> DemoServer:
        """Bind and serve in a daemon thread; returns self. Calling it again while running is a no-op."""
        with self._state_lock:
            if self._httpd is not None:
                return self
            httpd = _HTTPServer((self.host, self._requested_port), self)
            self._httpd = httpd
            self._base_url = f"http://{self.host}:{httpd.server_port}"
            self._thread = threading.Thread(
                target=httpd.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"demo-server-{httpd.server_port}",
                daemon=True,
            )
            self._thread.start()
            return self

    def stop(self) -> None:
        """Stop serving and close the socket and every open connection. Idempotent."""
        with self._state_lock:
            httpd, thread = self._httpd, self._thread
            self._httpd = self._thread = None
            self._base_url = None
            if httpd is None:
                return
            httpd.shutdown()
            httpd.close_connections()
            httpd.server_close()
            if thread is not None:
                thread.join(timeout=5)

    def __enter__(self) -> DemoServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        where = self._base_url or "not running"
        return f"<DemoServer {type(self.site).__name__} {where}>"

    # -- used by the handler

    def record_request(self, method: str, target: str) -> None:
        """Log a request the handler received (``request_log``, for tests and the demo)."""
        with self._log_lock:
            self.request_log.append((method, target))

    def gzipped(self, res: Resource) -> bytes:
        """``res`` gzip-compressed, deterministically (same file, same bytes), cached per file version."""
        key = (str(res.file) if res.file is not None else "", res.etag)
        with self._gzip_lock:
            cached = self._gzip_cache.get(key)
        if cached is None:
            with res.open() as f:
                # mtime=0: the same file always gives the same bytes, so digests are stable
                cached = gzip.compress(f.read(), compresslevel=6, mtime=0)
            with self._gzip_lock:
                self._gzip_cache[key] = cached
        return cached


# --- python -m archive_app.demo.server ---------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """Serve the demo site (or ``--generated N`` articles) until Ctrl-C."""
    parser = argparse.ArgumentParser(prog="python -m archive_app.demo.server", description=main.__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="a 127.x.y.z address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port (default: any free port)")
    parser.add_argument("--latency", type=float, default=None, help="seconds to wait before each answer")
    parser.add_argument("--generated", type=int, metavar="N", help="serve N generated articles instead")
    parser.add_argument("--images", type=int, default=5, help="images per generated article (default 5)")
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    args = parser.parse_args(argv)

    site: Site | None = None
    if args.generated is not None:
        from archive_app.demo.generated import GeneratedSite

        site = GeneratedSite(articles=args.generated, images=args.images)
    try:
        server = DemoServer(site=site, host=args.host, port=args.port, latency=args.latency, quiet=not args.verbose)
        server.start()
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2 if isinstance(exc, ValueError) else 1
    urls = server.article_urls()
    print(f"serving {server.base_url}/ (Ctrl-C to stop)")
    for url in urls[:10]:
        print(f"  {url}")
    if len(urls) > 10:
        print(f"  ... and {len(urls) - 10} more")
    sys.stdout.flush()
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
