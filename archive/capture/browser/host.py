"""The one browser of a capture session: started on first use, shared by its tabs, restarted
after a crash or when its process tree grows past the memory bound, closed with the session."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from archive.capture.browser.bodies import BodyStore
from archive.capture.browser.cdp import DevTools
from archive.capture.browser.process import BrowserProcess, group_pss
from archive.capture.settings import CaptureSettings


class BrowserHost:
    def __init__(self, settings: CaptureSettings, store: BodyStore) -> None:
        self.settings = settings
        self.store = store  # the bodies its tabs are served from; closed with the host
        self._browser: BrowserProcess | None = None
        self._tabs = asyncio.Semaphore(settings.browser_tabs)
        self._lock = asyncio.Lock()
        self._open_tabs = 0
        self._restart_due: str | None = None
        self.starts = 0
        self.restarts: list[str] = []  # why each restart happened, for the run report
        self.peak_memory = 0
        self.background: set[asyncio.Task[None]] = set()  # requests outliving their tab (intercept.py)

    @contextlib.asynccontextmanager
    async def tab(self) -> AsyncIterator[DevTools]:
        """A DevTools connection on which to open one tab, while a tab slot is held."""
        async with self._tabs:
            browser = await self._ready()
            self._open_tabs += 1
            try:
                yield browser.devtools
            finally:
                self._open_tabs -= 1
                self._check(browser)

    @property
    def pid(self) -> int | None:
        """The running browser's process id (it leads its own process group), if one runs."""
        return self._browser.proc.pid if self._browser is not None else None

    async def close(self) -> None:
        for task in list(self.background):  # the session is ending: no article shares them any more
            task.cancel()
        await asyncio.gather(*self.background, return_exceptions=True)
        async with self._lock:
            if self._browser is not None:
                await self._browser.close()
                self._browser = None
            self.store.close()

    async def _ready(self) -> BrowserProcess:
        async with self._lock:
            browser = self._browser
            if browser is not None and not browser.alive:  # its open tabs are failing anyway
                self._restart_due = "the browser crashed or closed its connection"
            if browser is not None and self._restart_due and (self._open_tabs == 0 or not browser.alive):
                self.restarts.append(self._restart_due)
                self._restart_due = None
                await browser.close()
                browser = self._browser = None
            if browser is None:
                browser = self._browser = await BrowserProcess.start(self.settings.browser_path)
                self.starts += 1
            return browser

    def _check(self, browser: BrowserProcess) -> None:
        memory = group_pss(browser.proc.pid)
        self.peak_memory = max(self.peak_memory, memory)
        if memory > self.settings.browser_memory_bytes:
            self._restart_due = f"the browser held {memory // 2**20} MiB (browser_memory_bytes)"
