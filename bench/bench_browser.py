"""Browser capture benchmark: throughput and memory, replay completeness, auto-mode overhead.

1. Throughput: `capture_mode: browser` over the demo site's JavaScript pages (/js/article.html,
   /js/list.html, /js/gallery.html, each under many distinct URLs), one session with its one
   browser (default settings: 4 tabs), through the library (no Prefect start-up). Prints pages
   per minute and the peak memory of the whole process tree (this process plus the browser's
   process group), as PSS (shared pages divided among their sharers) and as summed RSS
   (shared pages counted once per process: an overcount, printed because tools report it).
2. Replay completeness: the three JS pages captured in browser mode, bagged, replayed by pywb
   and loaded in a separate headless Chromium (scrolled to the end): images shown in replay
   against images the live page showed (counted in the browser at capture time).
3. Auto-mode overhead: a generated static site (articles that need no browser) captured in
   `static` and in `auto` mode, alternating, median of the runs; the ratio auto / static.

The demo site is served by a separate process on 127.0.0.1.

    .venv/bin/python bench/bench_browser.py [--pages 120] [--articles 200] [--runs 3] [--skip-replay] [--skip-auto]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from archive.capture.browser.process import group_members, group_pss  # noqa: E402
from archive.capture.session import ArticleResult, CaptureSession  # noqa: E402
from archive.capture.settings import CaptureSettings  # noqa: E402
from archive_app.demo.jspages import JS_PAGES  # noqa: E402


def serve(*extra: str) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen([sys.executable, "-m", "archive_app.demo.server", *extra], stdout=subprocess.PIPE, text=True, cwd=REPO)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    return proc, line.split()[1].rstrip("/")


def _rss(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, IndexError, ValueError):
        return 0


def _pss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


class TreeMemory(threading.Thread):
    """Samples this process plus the browser's process group every 0.2 s; keeps the peaks."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.browser_pid: int | None = None
        self.peak_pss = self.peak_rss = 0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(0.2):
            pids = [os.getpid(), *(group_members(self.browser_pid) if self.browser_pid else [])]
            self.peak_pss = max(self.peak_pss, _pss(os.getpid()) + (group_pss(self.browser_pid) if self.browser_pid else 0))
            self.peak_rss = max(self.peak_rss, sum(_rss(p) for p in pids))


async def _capture(out: Path, urls: list[str], settings: CaptureSettings, memory: TreeMemory | None = None) -> list[ArticleResult]:
    async with CaptureSession(out, settings) as session:
        tasks = [asyncio.ensure_future(session.capture_article(u)) for u in urls]
        while memory is not None and session.browser is None and not all(t.done() for t in tasks):
            await asyncio.sleep(0.05)
        while memory is not None and session.browser is not None and session.browser.pid is None \
                and not all(t.done() for t in tasks):
            await asyncio.sleep(0.05)
        if memory is not None and session.browser is not None:
            memory.browser_pid = session.browser.pid
        return list(await asyncio.gather(*tasks))


def throughput(base: str, pages: int) -> None:
    urls = [f"{base}{JS_PAGES[i % len(JS_PAGES)]}?n={i}" for i in range(pages)]
    memory = TreeMemory()
    memory.start()
    out = Path(tempfile.mkdtemp(prefix="bench-browser-"))
    started = time.monotonic()
    results = asyncio.run(_capture(out, urls, CaptureSettings(capture_mode="browser"), memory))
    elapsed = time.monotonic() - started
    memory.stop.set()
    memory.join()
    ok = sum(1 for r in results if r.ok and r.mode == "browser")
    print(f"throughput: {pages} JS pages in browser mode in {elapsed:.1f}s (browser start included): "
          f"{pages / elapsed * 60:.0f} pages/min, {ok}/{pages} ok")
    print(f"  peak memory of the whole tree: {memory.peak_pss / 2**20:.0f} MiB PSS "
          f"({memory.peak_rss / 2**20:.0f} MiB as summed RSS); goal: >= 60 pages/min, < 2048 MiB")
    shutil.rmtree(out, ignore_errors=True)


def auto_overhead(articles: int, runs: int) -> None:
    proc, base = serve("--generated", str(articles), "--images", "5", "--latency", "0.02")
    try:
        from archive_app.demo.generated import GeneratedSite

        paths = GeneratedSite(articles=articles, images=5).article_paths()
        urls = [base + p for p in paths]
        times: dict[str, list[float]] = {"static": [], "auto": []}
        modes: list[str] = []
        for _ in range(runs):
            for mode in ("static", "auto"):
                out = Path(tempfile.mkdtemp(prefix=f"bench-{mode}-"))
                started = time.monotonic()
                results = asyncio.run(_capture(out, urls, CaptureSettings(capture_mode=mode)))
                times[mode].append(time.monotonic() - started)
                if mode == "auto":
                    modes = [r.mode for r in results]
                shutil.rmtree(out, ignore_errors=True)
        static, auto = statistics.median(times["static"]), statistics.median(times["auto"])
        print(f"auto vs static on {articles} static articles x 5 images (20 ms latency), median of {runs}: "
              f"static {static:.2f}s, auto {auto:.2f}s, ratio {auto / static:.3f} "
              f"(goal <= 1.10); auto chose the browser for {modes.count('browser')} of {len(modes)}")
    finally:
        proc.terminate()
        proc.wait()


def replay_completeness(base: str) -> None:
    from archive.package import BagInfo, build_bag
    from archive.pipeline import extract_to_folder
    from archive.replay.pywb import ReplayServer, find_pywb
    from archive.replay.sources import open_sources

    find_pywb()
    work = Path(tempfile.mkdtemp(prefix="bench-replay-"))
    urls = [base + p for p in JS_PAGES]
    asyncio.run(_capture(work / "capture", urls, CaptureSettings(capture_mode="browser")))
    warcs = sorted((work / "capture").glob("*.warc.gz"))
    live = _live_counts(warcs, urls)
    extraction = extract_to_folder(warcs, work / "metadata")
    bag = build_bag(work / "bag", warcs=warcs, metadata=extraction.files,
                    info=BagInfo(source_organization="bench", external_identifier="bench-js",
                                 external_description="JS demo pages, browser capture"))
    with ReplayServer(open_sources([bag]), port=0) as server:
        shown = _replay_counts([server.url_for(u) for u in urls], work / "profile")
    for url, replayed in zip(urls, shown, strict=True):
        print(f"replay completeness {url.removeprefix(base)}: {replayed} of {live.get(url, 0)} images shown live "
              f"({100 * replayed / max(1, live.get(url, 0)):.0f} %)")
    shutil.rmtree(work, ignore_errors=True)


def _live_counts(warcs: list[Path], urls: list[str]) -> dict[str, int]:
    from warcio.archiveiterator import ArchiveIterator

    live: dict[str, int] = {}
    for path in warcs:
        with path.open("rb") as fh:
            for rec in ArchiveIterator(fh):
                uri = rec.rec_headers.get_header("WARC-Target-URI")
                if rec.rec_type == "metadata" and uri in urls:
                    for line in rec.content_stream().read().decode().splitlines():
                        if line.startswith("images-shown: "):
                            live[uri] = int(line.split()[1])
    return live


def _replay_counts(pages: list[str], profile: Path) -> list[int]:
    sys.path.insert(0, str(REPO))
    import httpx

    from tests.replay.test_browser import FLAGS, DevTools
    from tests.replay.test_browser_capture_replay import SHOW_ALL

    proc = subprocess.Popen(["/usr/bin/chromium", *FLAGS, f"--user-data-dir={profile}", "--remote-debugging-address=127.0.0.1",
                             "--remote-debugging-port=0", "about:blank"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        port_file = profile / "DevToolsActivePort"
        while not (port_file.is_file() and port_file.read_text().strip()):
            time.sleep(0.1)
        port = int(port_file.read_text().split()[0])
        target = next(t for t in httpx.get(f"http://127.0.0.1:{port}/json/list").json() if t["type"] == "page")
        devtools = DevTools(target["webSocketDebuggerUrl"])
        devtools.call("Page.enable")
        shown = []
        for page in pages:
            devtools.call("Page.navigate", url=page)
            devtools.wait_event("Page.loadEventFired", timeout=60)
            devtools.events.clear()
            value = devtools.call("Runtime.evaluate", expression=SHOW_ALL, awaitPromise=True, returnByValue=True,
                                  timeout=120)["result"]["value"]
            shown.append(int(json.loads(value)["shown"]))
        devtools.close()
        return shown
    finally:
        proc.terminate()
        proc.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=120)
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skip-replay", action="store_true")
    parser.add_argument("--skip-auto", action="store_true")
    args = parser.parse_args()
    proc, base = serve()
    try:
        throughput(base, args.pages)
        if not args.skip_replay:
            replay_completeness(base)
    finally:
        proc.terminate()
        proc.wait()
    if not args.skip_auto:
        auto_overhead(args.articles, args.runs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
