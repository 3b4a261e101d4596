"""Replay bags and WARCs with pywb, run as a child process from its own virtual environment.

pywb cannot live in Prefect's environment (it pins redis 2.10.6, Prefect needs redis 6 or later),
so ``make install`` gives it ``.venv-pywb`` and this module runs pywb's ``wayback`` server from
there, unmodified, with the bag's own CDXJ index as its index source.

:class:`ReplayServer` writes a pywb ``config.yaml`` into a temporary folder with one collection
whose index source is a folder of links to each bag's own ``data/indexes/index.cdxj`` (bare WARCs
and bags without an index are indexed into that folder first) and whose archive paths are each
source's WARC folder, so several bags replay as one collection. The server binds 127.0.0.1 only.
It owns the child process and the temporary folder, and removes both in :meth:`ReplayServer.stop`.
"""

from __future__ import annotations

import errno
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

from archive.children import die_with_parent
from archive.errors import ArchiveError, UsageError, WarcReadError
from archive.replay.cdxj import write_cdxj
from archive.replay.sources import Source

__all__ = ["COLLECTION", "ReplayServer", "find_pywb"]

COLLECTION = "archive"
HOST = "127.0.0.1"
PYWB_ENV = "ARCHIVE_PYWB"
_REPO = Path(__file__).resolve().parents[2]
_START_TIMEOUT = 60.0


def find_pywb() -> Path:
    """The Python of pywb's environment: ``$ARCHIVE_PYWB`` (a virtual environment folder, or its
    ``python``), else the project's ``.venv-pywb``.

    Raises :class:`ArchiveError` (with the command that fixes it) when pywb is not installed there.
    """
    configured = os.environ.get(PYWB_ENV)
    if configured:
        path = Path(configured)
        candidates = [path / "bin" / "python", path]
        origin = f"${PYWB_ENV}={configured}"
    else:
        candidates = [_REPO / ".venv-pywb" / "bin" / "python"]
        origin = str(_REPO / ".venv-pywb")
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK) and (candidate.parent / "wayback").is_file():
            return candidate
    raise ArchiveError(f"pywb is not installed: no pywb environment at {origin}",
                       hint=f"run `make install` (it builds .venv-pywb), or set {PYWB_ENV} to a "
                            "virtual environment where pywb 2.10 is installed")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def check_port(port: int) -> None:
    """Raise :class:`UsageError` when something already listens on 127.0.0.1:``port``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((HOST, port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                why = "is already in use" if exc.errno == errno.EADDRINUSE else "is not allowed"
                raise UsageError(f"port {port} on {HOST} {why}",
                                hint="choose another with --port N (--port 0 picks a free one)") from exc
            raise UsageError(f"cannot listen on {HOST}:{port}: {exc.strerror or exc}") from exc


def _yaml_str(value: str) -> str:
    # JSON strings are valid YAML flow scalars, and escape anything odd in a path.
    import json

    return json.dumps(value)


class ReplayServer:
    """pywb serving ``sources`` as one collection on 127.0.0.1:``port`` (0: any free port).

    Use as a context manager, or call :meth:`start` and :meth:`stop`. ``index_errors`` collects
    the read errors of WARCs that had to be indexed (their readable part is still served).
    """

    def __init__(self, sources: Sequence[Source], *, port: int = 8080, collection: str = COLLECTION,
                 python: Path | None = None) -> None:
        if not sources:
            raise UsageError("nothing to replay", hint="pass a bag folder or WARC files")
        self.sources = list(sources)
        self.port = port
        self.collection = collection
        self.python = python
        self.index_errors: list[WarcReadError] = []
        self._tmp: Path | None = None
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}/{self.collection}/"

    def url_for(self, url: str, timestamp: str = "", modifier: str = "") -> str:
        """The replay URL of ``url`` at ``timestamp`` (``id_`` as ``modifier``: the raw bytes)."""
        return f"{self.base_url}{timestamp}{modifier}/{url}" if timestamp or modifier else f"{self.base_url}{url}"

    # --- set-up ---------------------------------------------------------------------------

    def _archive_paths(self) -> list[str]:
        roots: list[str] = []
        seen: dict[str, Path] = {}
        for source in self.sources:
            root = source.warc_root.resolve()
            for warc in source.warcs:
                rel = warc.resolve().relative_to(root).as_posix()
                other = seen.get(rel)
                if other is not None and other != warc.resolve():
                    raise UsageError(f"two inputs hold a WARC named {rel}: {other} and {warc}",
                                     hint="replay them one at a time; pywb finds WARCs by file name")
                seen[rel] = warc.resolve()
            prefix = str(root) + os.sep
            if prefix not in roots:
                roots.append(prefix)
        return roots

    def _prepare(self, tmp: Path) -> None:
        indexes = tmp / "indexes"
        indexes.mkdir()
        for n, source in enumerate(self.sources):
            link = indexes / f"{n:03d}-{source.label}.cdxj"
            if source.index is not None:
                os.symlink(source.index.resolve(), link)  # the bag's own index, not a new one
                continue
            with open(link, "wb") as out:
                write_cdxj(source.warcs, out, relative_to=source.warc_root, errors=self.index_errors)
        lines = [
            "# written by `archive replay`; removed when it stops",
            "debug: false",
            "framed_replay: false",
            "enable_memento: true",
            "collections:",
            f"  {self.collection}:",
            f"    index_paths: {_yaml_str(str(indexes) + os.sep)}",
            "    archive_paths:",
            *(f"      - {_yaml_str(p)}" for p in self._archive_paths()),
        ]
        (tmp / "config.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")

    def start(self) -> None:
        """Start pywb and wait until it answers. Raises :class:`UsageError` for a taken port and
        :class:`ArchiveError` when pywb is missing or does not start (with its last log lines)."""
        python = self.python or find_pywb()
        if self.port == 0:
            self.port = free_port()
        check_port(self.port)
        self._tmp = Path(tempfile.mkdtemp(prefix="archive-replay-"))
        try:
            self._prepare(self._tmp)
            env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
            with open(self._tmp / "pywb.log", "wb") as log:  # the child keeps its own handle
                self._proc = subprocess.Popen(
                    [str(python.parent / "wayback"), "--bind", HOST, "--port", str(self.port), "--threads", "8"],
                    cwd=self._tmp, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env,
                    preexec_fn=die_with_parent)  # a killed `archive replay` leaves no pywb holding its port
            self._wait_ready()
        except BaseException:
            self.stop()
            raise

    def _wait_ready(self) -> None:
        assert self._proc is not None and self._tmp is not None
        deadline = time.monotonic() + _START_TIMEOUT
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                tail = self.log_tail()
                if "Address already in use" in tail:
                    raise UsageError(f"port {self.port} on {HOST} is already in use",
                                    hint="choose another with --port N (--port 0 picks a free one)")
                raise ArchiveError(f"pywb exited at start (code {self._proc.returncode}):", details=tail.splitlines(),
                                   hint="run `make install` to rebuild .venv-pywb")
            try:
                with socket.create_connection((HOST, self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.1)
        raise ArchiveError(f"pywb did not answer on {HOST}:{self.port} within {_START_TIMEOUT:.0f} s")

    def log_tail(self, lines: int = 15) -> str:
        if self._tmp is None:
            return ""
        try:
            text = (self._tmp / "pywb.log").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    # --- running ----------------------------------------------------------------------------

    def wait(self) -> int:
        """Block until pywb exits (Ctrl-C raises KeyboardInterrupt here); its exit code."""
        assert self._proc is not None
        return self._proc.wait()

    def stop(self) -> None:
        """Stop pywb (SIGTERM, then SIGKILL after 5 s) and remove the temporary folder."""
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        tmp, self._tmp = self._tmp, None
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)

    def __enter__(self) -> ReplayServer:
        self.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
