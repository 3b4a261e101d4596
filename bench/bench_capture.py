"""Capture benchmark: `archive capture` against `wget --warc-file --page-requisites`.

A generated local site (500 articles x 5 images, every answer delayed 20 ms as a remote site
would be) is served by a separate process on 127.0.0.1. Both tools capture the same article
URLs in the same run, end to end, start-up included, `archive capture` with the DEFAULT settings
a user gets (adaptive politeness, no lowered delays). Prints times, medians, the ratio, the
records each captured and the politeness the site got. `archive capture` uses the project's
managed Prefect server (started by the first command in the bench's own PREFECT_HOME, reused
after, stopped at the end), as a user's commands do. The one-article capture is timed on its own
(its first run includes starting that server); the same command against a separate
`prefect server start` (PREFECT_API_URL), and the library path (no Prefect), are timed too.

    .venv/bin/python bench/bench_capture.py [--articles 500] [--images 5] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from warcio.archiveiterator import ArchiveIterator

BIN = Path(sys.executable).parent
REPO = Path(__file__).resolve().parents[1]


def serve(articles: int, images: int, latency: float) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "archive_app.demo.server", "--generated", str(articles), "--images", str(images),
         "--latency", str(latency)],
        stdout=subprocess.PIPE, text=True, cwd=REPO,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    base = line.split()[1].rstrip("/")
    return proc, base


def start_prefect_server(home: Path) -> tuple[subprocess.Popen[bytes], str]:
    """A real `prefect server start` on 127.0.0.1, as docs/operations.md's scale-out section describes."""
    import socket

    import httpx

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    proc = subprocess.Popen([str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    api = f"http://127.0.0.1:{port}/api"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{api}/health", timeout=1).status_code == 200:
                return proc, api
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    proc.kill()
    raise SystemExit("prefect server did not start within 120 s")


def count_records(warcs: list[Path]) -> tuple[int, set[str]]:
    uris: set[str] = set()
    n = 0
    for path in warcs:
        with open(path, "rb") as fh:
            for rec in ArchiveIterator(fh):
                if rec.rec_type in ("response", "revisit"):
                    n += 1
                    uris.add(rec.rec_headers.get_header("WARC-Target-URI"))
    return n, uris


def politeness_of(out: Path) -> dict[str, dict[str, Any]]:
    """The per-host politeness recorded in a capture's run report."""
    [report] = out.glob("*.report.json")
    politeness: dict[str, dict[str, Any]] = json.loads(report.read_text())["politeness"]
    return politeness


def timed(cmd: list[str], env: dict[str, str] | None = None, cwd: Path | None = None) -> float:
    start = time.perf_counter()
    result = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode not in (0, 8):  # wget exits 8 when some URL answered with an error
        print(result.stdout[-2000:], result.stderr[-2000:], file=sys.stderr)
        raise SystemExit(f"{cmd[0]} failed with exit code {result.returncode}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=500)
    parser.add_argument("--images", type=int, default=5)
    parser.add_argument("--latency", type=float, default=0.02)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skip-wget", action="store_true")
    args = parser.parse_args()
    if not args.skip_wget and not shutil.which("wget"):
        raise SystemExit("wget not found: apt-get install wget (make bench does this)")

    work = Path(tempfile.mkdtemp(prefix="bench-capture-"))
    env = {**os.environ, "PREFECT_HOME": str(work / "prefect"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    server, base = serve(args.articles, args.images, args.latency)
    try:
        urls = [f"{base}/a/{i}.html" for i in range(args.articles)]
        url_file = work / "urls.txt"
        url_file.write_text("\n".join(urls) + "\n")
        print(f"site: {args.articles} articles x {args.images} images at {base}, {args.latency * 1000:.0f} ms per answer")
        print("archive capture: default settings (config/default.yaml), no flags")

        # Prefect's fixed cost: the same CLI and flow with nothing to capture.
        (work / "one.txt").write_text(urls[0] + "\n")
        fixed = [timed([str(BIN / "archive"), "capture", "-i", str(work / "one.txt"), "--out", str(work / f"fixed{r}"),
                        "--quiet"], env) for r in range(args.runs)]

        ours: list[float] = []
        ours_records: tuple[int, set[str]] = (0, set())
        politeness: dict[str, dict[str, Any]] = {}
        for r in range(args.runs):
            out = work / f"ours{r}"
            ours.append(timed([str(BIN / "archive"), "capture", "-i", str(url_file), "--out", str(out), "--quiet"], env))
            ours_records = count_records(sorted(out.rglob("*.warc.gz")))
            politeness = politeness_of(out)

        prefect_proc, api = start_prefect_server(work / "prefect-server")
        try:
            served_env = {**env, "PREFECT_API_URL": api}
            served = [timed([str(BIN / "archive"), "capture", "-i", str(url_file), "--out", str(work / f"served{r}"),
                             "--quiet"], served_env)
                      for r in range(args.runs)]
        finally:
            prefect_proc.terminate()
            prefect_proc.wait(timeout=20)

        lib_script = (
            "import asyncio,json,sys; from pathlib import Path; from archive.capture.session import CaptureSession;"
            "from archive.capture.settings import CaptureSettings\n"
            "async def go():\n"
            "    s = CaptureSettings(**json.loads(sys.argv[3]))\n"
            "    async with CaptureSession(Path(sys.argv[1]), s) as cs:\n"
            "        sem = asyncio.Semaphore(s.article_concurrency)\n"
            "        async def one(u):\n"
            "            async with sem: return await cs.capture_article(u)\n"
            "        await asyncio.gather(*(one(u.strip()) for u in open(sys.argv[2]) if u.strip()))\n"
            "asyncio.run(go())\n"
        )
        library = [timed([sys.executable, "-c", lib_script, str(work / f"lib{r}"), str(url_file), "{}"], env)
                   for r in range(args.runs)]
        # Reference only: what the politeness costs, the same library path with no waits,
        # no back-off and 16 connections whatever the host's response time.
        unpaced = json.dumps({"delay_factor": 0, "backoff_ratio": 1000, "slow_response": 1000})
        library_unpaced = [timed([sys.executable, "-c", lib_script, str(work / f"unpaced{r}"), str(url_file), unpaced], env)
                           for r in range(args.runs)]

        wget_times: list[float] = []
        wget_records: tuple[int, set[str]] = (0, set())
        if not args.skip_wget:
            for r in range(args.runs):
                out = work / f"wget{r}"
                out.mkdir()
                wget_times.append(timed(["wget", "--quiet", "--page-requisites", "--warc-file", str(out / "wget"),
                                         "--no-warc-keep-log", "-e", "robots=on", "-i", str(url_file), "-P", str(out / "files")],
                                        cwd=out))
                wget_records = count_records(sorted(out.glob("*.warc.gz")))
    finally:
        server.terminate()
        server.wait(timeout=10)
        subprocess.run([str(BIN / "archive"), "server", "stop"], env=env, capture_output=True)

    med = statistics.median
    print()
    print(f"{'tool':<34}{'median s':>10}{'runs':>28}{'records':>10}")
    print(f"{'archive capture (CLI, defaults)':<34}{med(ours):>10.2f}{str([round(t, 1) for t in ours]):>28}{ours_records[0]:>10}")
    print(f"{'one-article capture*':<34}{med(fixed):>10.2f}{str([round(t, 1) for t in fixed]):>28}")
    print(f"{'archive capture, running server':<34}{med(served):>10.2f}{str([round(t, 1) for t in served]):>28}")
    print(f"{'library only (no Prefect)':<34}{med(library):>10.2f}{str([round(t, 1) for t in library]):>28}")
    print(f"{'  same, politeness off (reference)':<34}{med(library_unpaced):>10.2f}"
          f"{str([round(t, 1) for t in library_unpaced]):>28}")
    if wget_times:
        print(f"{'wget --warc-file -p':<34}{med(wget_times):>10.2f}{str([round(t, 1) for t in wget_times]):>28}{wget_records[0]:>10}")
        print()
        print(f"speed-up vs wget, `archive capture` as a user runs it: {med(wget_times) / med(ours):.1f}x")
        print(f"speed-up vs wget, against `prefect server start`:      {med(wget_times) / med(served):.1f}x")
        print(f"speed-up vs wget, capture work (library path):        {med(wget_times) / med(library):.1f}x")
        ours_uris = {u for u in ours_records[1] if not u.endswith("/robots.txt")}
        wget_uris = {u for u in wget_records[1] if not u.endswith("/robots.txt")}
        print(f"same resources captured: {ours_uris == wget_uris} "
              f"(ours {len(ours_uris)}, wget {len(wget_uris)}, only ours {len(ours_uris - wget_uris)}, only wget {len(wget_uris - ours_uris)})")
    for host, got in politeness.items():
        c, d, r = got["concurrency"], got["delay"], got["response_ms"]
        print(f"politeness {host}: concurrency {c['lowest']}-{c['highest']} (peak {c['peak_in_flight']} in flight), "
              f"mean delay {d['mean_ms']} ms (factor {d['factor']}), usual response {r['baseline']} ms, "
              f"back-offs {got['back_offs']}")
    print("* a one-article capture through the same CLI; its first run starts the managed Prefect server")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
