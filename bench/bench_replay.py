"""Replay benchmark: CDXJ lookups as the index grows, and time to first replayed byte through pywb.

1. Sorted CDXJ indexes of 10k, 100k and 1M synthetic records (the project's line format) are
   written to a temporary folder. For each, random URLs (90% present, 10% absent) are looked up
   with the project's :class:`archive.replay.lookup.SortedIndex` (binary search over the memory-
   mapped file; SURT key computed per query, as a user's lookup would) and with pywb's own
   ``pywb.utils.binsearch.iter_exact`` (run in .venv-pywb), timing each query: p50 and p99.
2. A bag of the bundled demo site is captured (library only, no Prefect) and replayed by
   ``archive.replay.pywb.ReplayServer``; the time to the first byte of the English article is
   measured (rewritten page and raw ``id_``), with the bag's own index and with that index
   merged into the 1M-record one.

    .venv/bin/python bench/bench_replay.py [--sizes 10000,100000,1000000] [--queries 2000] [--fetches 30]

Goal (issue 5): a lookup under 5 ms at p99 on one million records, flat as the index grows.
"""

from __future__ import annotations

import argparse
import asyncio
import heapq
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from archive.replay.lookup import SortedIndex
from archive.replay.pywb import ReplayServer, find_pywb
from archive.replay.sources import open_sources

_TLDS = ("com", "org", "net", "iq", "de")


def synthetic_url(n: int) -> tuple[str, str]:
    """(url, surt key) of record n: ~n/20 hosts, 20 paths each."""
    host, path = divmod(n, 20)
    tld = _TLDS[host % len(_TLDS)]
    url = f"http://news{host}.example.{tld}/{2000 + path % 25}/{path:02d}/article-{n}.html"
    key = f"{tld},example,news{host})/{2000 + path % 25}/{path:02d}/article-{n}.html"
    return url, key


def write_index(path: Path, size: int) -> None:
    lines = []
    for n in range(size):
        url, key = synthetic_url(n)
        fields = {"url": url, "mime": "text/html", "status": "200", "digest": f"sha256:{n:052d}====",
                  "length": "2345", "offset": str(n * 2345), "filename": f"crawl-{n // 50000:05d}.warc.gz"}
        lines.append(f"{key} 20180315{n % 240000:06d} {json.dumps(fields)}\n")
    lines.sort()
    with open(path, "w", encoding="utf-8") as fh:
        fh.writelines(lines)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def queries(size: int, count: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    urls = []
    for _ in range(count):
        if rng.random() < 0.9:
            urls.append(synthetic_url(rng.randrange(size))[0])
        else:
            urls.append(f"http://absent{rng.randrange(10**6)}.example.com/x")
    return urls


def bench_ours(index: Path, urls: list[str]) -> tuple[list[float], int]:
    times, found = [], 0
    with SortedIndex(index) as idx:
        idx.lookup(urls[0])  # map the file once
        for url in urls:
            t0 = time.perf_counter_ns()
            hits = idx.lookup(url)
            times.append((time.perf_counter_ns() - t0) / 1e6)
            found += bool(hits)
    return times, found


PYWB_SCRIPT = """
import json, sys, time
from pywb.utils.binsearch import iter_exact
from pywb.utils.canonicalize import canonicalize
index, urls = sys.argv[1], json.load(open(sys.argv[2]))
times, found = [], 0
with open(index, 'rb') as fh:
    for url in urls:
        t0 = time.perf_counter_ns()
        key = canonicalize(url).encode('utf-8')
        hits = list(iter_exact(fh, key))
        times.append((time.perf_counter_ns() - t0) / 1e6)
        found += bool(hits)
print(json.dumps({"times": times, "found": found}))
"""


def bench_pywb(index: Path, urls: list[str], work: Path) -> tuple[list[float], int] | None:
    try:
        python = find_pywb()
    except Exception:  # noqa: BLE001 - pywb is optional for this part
        return None
    qfile = work / "queries.json"
    qfile.write_text(json.dumps(urls))
    out = subprocess.run([str(python), "-I", "-c", PYWB_SCRIPT, str(index), str(qfile)],
                         capture_output=True, text=True, check=True)
    data = json.loads(out.stdout)
    return data["times"], data["found"]


def demo_bag(work: Path) -> tuple[Path, str]:
    from archive.capture.session import CaptureSession
    from archive.capture.settings import CaptureSettings
    from archive.package import BagInfo, build_bag
    from archive.pipeline import extract_to_folder
    from archive_app.demo.server import DEMO_ARTICLES, DemoServer

    with DemoServer() as server:
        urls = [server.url(p) for p in DEMO_ARTICLES]

        async def capture() -> None:
            async with CaptureSession(work / "capture", CaptureSettings(per_host_delay=0.0)) as session:
                for url in urls:
                    await session.capture_article(url)

        asyncio.run(capture())
    warcs = sorted((work / "capture").glob("*.warc.gz"))
    extraction = extract_to_folder(warcs, work / "metadata")
    info = BagInfo(source_organization="bench", external_identifier="bench", external_description="bench")
    return build_bag(work / "bag", warcs=warcs, metadata=extraction.files, info=info), urls[0]


def ttfb(url: str, fetches: int) -> tuple[float, float, float]:
    """(first request, p50, p99) in ms: time until the first body byte arrives, on a new
    connection each time (on a reused one pywb's server stalls ~40 ms: Nagle against delayed ACK)."""
    times = []
    for _ in range(fetches + 1):
        with httpx.Client(timeout=60) as client:
            t0 = time.perf_counter()
            with client.stream("GET", url) as resp:
                assert resp.status_code == 200, (resp.status_code, url)
                for n, _chunk in enumerate(resp.iter_raw()):
                    if n == 0:
                        times.append((time.perf_counter() - t0) * 1000)
    first, rest = times[0], times[1:]
    return first, statistics.median(rest), pct(rest, 99)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--fetches", type=int, default=30)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    work = Path(tempfile.mkdtemp(prefix="bench-replay-"))
    try:
        print(f"CDXJ lookups: {args.queries} random URLs per index (90% present), time per query\n")
        print(f"{'records':>10} {'file MB':>8} {'ours p50':>9} {'ours p99':>9} {'pywb p50':>9} {'pywb p99':>9}  found")
        indexes = {}
        for size in sizes:
            index = work / f"index-{size}.cdxj"
            write_index(index, size)
            indexes[size] = index
            urls = queries(size, args.queries)
            ours, found = bench_ours(index, urls)
            theirs = bench_pywb(index, urls, work)
            row = f"{size:>10,} {index.stat().st_size / 1e6:>8.1f} {pct(ours, 50):>7.3f}ms {pct(ours, 99):>7.3f}ms"
            if theirs:
                row += f" {pct(theirs[0], 50):>7.3f}ms {pct(theirs[0], 99):>7.3f}ms"
                assert theirs[1] == found, "pywb and the project found different records"
            else:
                row += f" {'(no pywb)':>19}"
            print(f"{row}  {found}/{len(urls)}")

        print("\nTime to first replayed byte, English demo article through pywb "
              f"({args.fetches} fetches after the first)\n")
        bag, article = demo_bag(work)
        print(f"{'index':>24} {'mode':>6} {'first':>9} {'p50':>9} {'p99':>9}")
        big = max(sizes)
        merged_bag = work / "bag-merged"
        shutil.copytree(bag, merged_bag)
        merged = merged_bag / "data/indexes/index.cdxj"
        with open(bag / "data/indexes/index.cdxj", "rb") as a, open(indexes[big], "rb") as b:
            lines = list(heapq.merge(a, b))
        merged.write_bytes(b"".join(lines))
        bag_lines = (bag / "data/indexes/index.cdxj").read_bytes().count(b"\n")
        for label, which in ((f"bag ({bag_lines} lines)", bag),
                             (f"bag + {big:,} lines", merged_bag)):
            with ReplayServer(open_sources([which]), port=0) as server:
                for mode in ("", "id_"):
                    ts = ""  # latest capture: pywb looks it up like any visitor's request
                    first, p50, p99 = ttfb(server.url_for(article, ts, mode), args.fetches)
                    print(f"{label:>24} {mode or 'page':>6} {first:>7.1f}ms {p50:>7.1f}ms {p99:>7.1f}ms")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
