"""One headless Chromium process tree: started in its own process group, ended with it.

Hygiene, because a browser left behind keeps memory, CPU and a profile folder forever:
- the browser leads a new process group (``start_new_session``), so ending the group ends its
  renderers and helpers too, whatever state the browser itself is in;
- it gets the parent-death signal (archive/children.py), so a capture killed with SIGKILL,
  which runs no clean-up code, still takes its browser with it;
- its profile is a private temporary folder, removed on close.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from archive.capture.browser.cdp import DevTools
from archive.children import die_with_parent
from archive.errors import BrowserError

FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
    "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-quic",
    "--disable-dev-shm-usage", "--disable-extensions", "--mute-audio", "--hide-scrollbars",
    "--disable-features=Translate,MediaRouter,OptimizationHints", "--window-size=1280,1024",
    "--block-new-web-contents",  # window.open storms open nothing
    # Tabs opened over DevTools count as background: unthrottled, they behave as a reader sees them.
    "--disable-background-timer-throttling", "--disable-renderer-backgrounding",
    "--disable-backgrounding-occluded-windows",
    "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
    # The browser itself never reaches the network: every request is paused and answered by the
    # capture session (intercept.py). What would bypass interception (DNS prefetch, speculative
    # preconnects, WebSockets) resolves nothing and goes to a proxy port where nothing listens.
    "--dns-prefetch-disable", "--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=http://127.0.0.1:9",
    "--proxy-bypass-list=<-loopback>",
)
START_TIMEOUT = 60.0


class BrowserProcess:
    """A started Chromium and its DevTools connection. ``await BrowserProcess.start(path)``."""

    def __init__(self, proc: subprocess.Popen[bytes], profile: Path, devtools: DevTools) -> None:
        self.proc = proc
        self.profile = profile
        self.devtools = devtools

    @classmethod
    async def start(cls, executable: str, *, timeout: float = START_TIMEOUT) -> BrowserProcess:
        if not Path(executable).is_file():
            raise BrowserError(f"browser {executable!r} not found",
                               hint="install Debian's chromium (apt-get install chromium) or set capture.browser_path")
        profile = Path(tempfile.mkdtemp(prefix="archive-browser-"))
        # Started from the event loop's own thread: the parent-death signal follows the thread
        # that forked, and this one lives as long as the capture.
        proc = subprocess.Popen(
            [executable, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True, preexec_fn=die_with_parent,
        )
        try:
            ws_url = await _endpoint(proc, profile, timeout)
            devtools = await DevTools.open(ws_url, timeout=timeout)
        except BaseException:
            _end_group(proc)
            shutil.rmtree(profile, ignore_errors=True)
            raise
        return cls(proc, profile, devtools)

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None and not self.devtools.closed.is_set()

    def tree_memory(self) -> int:
        """Proportional resident bytes (PSS) of the browser's whole process group."""
        return group_pss(self.proc.pid)

    async def close(self) -> None:
        """Ask the browser to quit, then end its whole process group; remove the profile."""
        with contextlib.suppress(Exception):
            await self.devtools.call("Browser.close", timeout=5)
        with contextlib.suppress(Exception):
            await self.devtools.close()
        await asyncio.to_thread(_end_group, self.proc)
        shutil.rmtree(self.profile, ignore_errors=True)


async def _endpoint(proc: subprocess.Popen[bytes], profile: Path, timeout: float) -> str:
    """The browser's WebSocket URL, from the DevToolsActivePort file Chromium writes once it
    listens (port on line one, path on line two)."""
    port_file = profile / "DevToolsActivePort"
    deadline = time.monotonic() + timeout
    while True:
        with contextlib.suppress(OSError):
            lines = port_file.read_text().split()
            if len(lines) >= 2:
                return f"ws://127.0.0.1:{int(lines[0])}{lines[1]}"
        if proc.poll() is not None:
            raise BrowserError(f"the browser exited at start with status {proc.returncode}")
        if time.monotonic() > deadline:
            raise BrowserError(f"the browser did not open its DevTools port within {timeout:g}s")
        await asyncio.sleep(0.05)


def _end_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM the browser's process group, SIGKILL what is left after a grace period."""
    for sig, grace in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            continue
        if not group_members(proc.pid):
            return
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


def group_members(pgid: int) -> list[int]:
    """Processes (not zombies) whose process group is ``pgid`` (Linux /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = stat.read_text().rpartition(")")[2].split()
            if int(fields[2]) == pgid and fields[0] not in ("Z", "X"):
                found.append(int(stat.parent.name))
    return found


def group_pss(pgid: int) -> int:
    """Memory of the process group ``pgid`` in bytes: the sum of each process's proportional set
    size (shared pages divided among their sharers), so Chromium's many processes mapping the
    same libraries are not counted many times over as a sum of RSS would."""
    total = 0
    for pid in group_members(pgid):
        with contextlib.suppress(OSError, IndexError, ValueError):
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1]) * 1024
                    break
    return total
