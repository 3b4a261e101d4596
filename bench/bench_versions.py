"""Benchmark: article versions (issue 15) — deciding unchanged/changed, and answering
`archive versions` / `archive diff` from a large history.

1. Decisions: N re-checked articles (default 10,000), each an archived page whose bytes changed
   (a new token on every load). Timed without network: the page is parsed, the NewsArticle
   record extracted (archive.extract.extract_html), the body blocks read, the snapshot and
   fingerprint made, and compared with the last version in the index (one indexed lookup per
   URL). Mix: 80% byte noise only, 10% a paragraph edited, 10% a typo fixed. Reported both with
   extraction (what a run pays) and for the decision alone (records already extracted).
2. History: a version index with V versions (default 1,000,000 over V/10 URLs) built in a temp
   folder, then `versions` and `diff` answered (the commands' own functions, in process) for
   random URLs: p50/p99, and the process's peak memory against a 10,000-version history.

Run: .venv/bin/python bench/bench_versions.py [--articles 10000] [--versions 1000000]
Writes only a temporary folder (removed at the end).
"""

from __future__ import annotations

import argparse
import io
import os
import random
import resource
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import redirect_stdout
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from archive.extract import extract_html  # noqa: E402
from archive.extract.parse import parse_html  # noqa: E402
from archive.history import HISTORY_NAME  # noqa: E402
from archive.versions import Version, VersionIndex, VersionPolicy, decide  # noqa: E402
from archive.versions.body import article_blocks  # noqa: E402
from archive.versions.index import _pack  # noqa: E402
from archive.versions.snapshot import Snapshot, snapshot_of  # noqa: E402
from archive_app.commands import diff as diff_command  # noqa: E402
from archive_app.commands import versions as versions_command  # noqa: E402

# News text has a wide vocabulary (a few thousand distinct words per hundred articles): a tiny
# one would make every paragraph look alike and the word diff's worst case the common case.
_ROOT = ("council budget water network school district vote minister province reconstruction report "
         "officials said residents city funds plan year month public project police").split()
WORDS = [w + s for w in _ROOT for s in ("", "s", "ed", "ing", "er", "al", "ly", "ion", "ment", "ive")] + [
    f"{a}{b}" for a in ("ba", "ko", "mi", "tu", "re", "sa", "de", "lo") for b in ("ran", "tel", "vos", "dim", "kar")]


def paragraphs(rng: random.Random, n: int = 12) -> list[str]:
    return [" ".join(rng.choice(WORDS) for _ in range(rng.randint(25, 60))).capitalize() + "." for _ in range(n)]


def page(headline: str, paras: list[str], token: str) -> bytes:
    body = "".join(f"<p>{p}</p>" for p in paras)
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{headline}</title>'
            f'<meta property="og:title" content="{headline}"><meta name="author" content="Dana Example">'
            f'<meta property="article:published_time" content="2026-03-02T09:00:00Z">'
            f'<script>window.__t="{token}"</script></head><body><nav><a href="/">Home</a></nav>'
            f'<article><h1>{headline}</h1><figure><img src="/img/a.jpg"><figcaption>A caption.</figcaption></figure>'
            f'{body}</article><div class="ad">{token}</div></body></html>').encode()


def snapshot_from_page(url: str, data: bytes) -> Snapshot:
    record = extract_html(data, url=url, headers=[("Content-Type", "text/html; charset=utf-8")])
    return snapshot_of(record, article_blocks(record, parse_html(data.decode())), {})


def bench_decisions(n: int, folder: Path) -> None:
    rng = random.Random(1)
    urls = [f"http://127.0.0.1/a/{i}.html" for i in range(n)]
    originals = [(f"Headline number {i}", paragraphs(rng)) for i in range(n)]
    index = VersionIndex(folder / HISTORY_NAME)
    first = [snapshot_from_page(u, page(h, p, "x")) for u, (h, p) in zip(urls, originals, strict=True)]
    index.add([Version(u, 0, "2026-03-02T09:00:00+00:00", "new", s.fingerprint(), s, "bag", None, "c1", u, "first")
               for u, s in zip(urls, first, strict=True)], [])
    pages = []
    for u, (h, p) in zip(urls, originals, strict=True):
        roll, edited = rng.random(), list(p)
        if roll < 0.1:
            edited[3] = paragraphs(rng, 1)[0]
        elif roll < 0.2:
            edited[5] = edited[5].replace(" ", "  ", 1)[:-1] + "s."
        pages.append((u, page(h, edited, secrets.token_hex(16))))
    policy = VersionPolicy(noise_threshold=0.01)

    started, cpu0 = time.perf_counter(), time.process_time()
    snaps = [snapshot_from_page(u, data) for u, data in pages]
    extracted, cpu1 = time.perf_counter(), time.process_time()
    outcomes = _decide_all(index, urls, snaps, policy)
    done, cpu2 = time.perf_counter(), time.process_time()
    counts = {o: outcomes.count(o) for o in sorted(set(outcomes))}
    print(f"decisions: {n} re-checked articles: extraction {extracted - started:.2f} s wall / {cpu1 - cpu0:.2f} s CPU; "
          f"deciding {done - extracted:.2f} s wall / {cpu2 - cpu1:.2f} s CPU "
          f"({(cpu2 - cpu1) / n * 1e6:.0f} us CPU per article); outcomes {counts}")


def _decide_all(index: VersionIndex, urls: list[str], snaps: list[Snapshot], policy: VersionPolicy) -> list[str]:
    last = index.latest(urls)
    return [decide(u, s, last[u].fingerprint, lambda u=u: index.one(u, last[u].seq).snapshot, policy).outcome  # type: ignore[misc]
            for u, s in zip(urls, snaps, strict=True)]


def build_history(path: Path, total: int, per_url: int = 10) -> list[str]:
    import sqlite3

    rng = random.Random(2)
    blobs = []
    for k in range(50):
        snap = Snapshot(f"Headline {k}", "Standfirst", "dana example", "2026-03-02T09:00:00Z", "",
                        tuple(("paragraph", p) for p in paragraphs(rng, 8)))
        blobs.append(_pack(snap))
    VersionIndex(path)  # the schema
    urls = [f"http://127.0.0.1/h/{i}.html" for i in range(total // per_url)]
    db = sqlite3.connect(path)
    with db:
        rows = ((u, s, f"2026-03-{1 + s:02d}T09:00:00+00:00", "new" if s == 1 else "changed", secrets.token_hex(8),
                 blobs[(i + s) % len(blobs)], f"capture-{s}", f"capture-{s}/data/metadata/{i}.json", f"capture-{s}",
                 u, "1 paragraph changed", "bench", 0.1, "2026-03-02T09:00:00Z")
                for i, u in enumerate(urls) for s in range(1, per_url + 1))
        db.executemany("INSERT INTO versions VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
    db.close()
    return urls


def answer_times(out: Path, urls: list[str], samples: int) -> tuple[list[float], list[float]]:
    rng = random.Random(3)
    versions_ms: list[float] = []
    diff_ms: list[float] = []
    for url in rng.sample(urls, min(samples, len(urls))):
        for command, argv, times in ((versions_command, [url, "--out", str(out)], versions_ms),
                                     (diff_command, [url, "--out", str(out), "--format", "html"], diff_ms)):
            parser = argparse.ArgumentParser()
            command.add_arguments(parser)
            args = parser.parse_args(argv)
            started = time.perf_counter()
            with redirect_stdout(io.StringIO()):
                command.run(args)
            times.append((time.perf_counter() - started) * 1000)
    return versions_ms, diff_ms


def p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[98]


def bench_history(total: int, folder: Path, samples: int) -> None:
    """Build the history here, answer in a fresh process (its peak memory is the answers' own)."""
    out = folder / f"h{total}"
    out.mkdir()
    started = time.perf_counter()
    urls = build_history(out / HISTORY_NAME, total)
    built = time.perf_counter() - started
    size = (out / HISTORY_NAME).stat().st_size / 1e6
    print(f"history of {total:,} versions ({len(urls):,} URLs, {size:.0f} MB, built in {built:.0f} s):", flush=True)
    subprocess.run([sys.executable, __file__, "--answer", str(out), "--versions", str(total),
                    "--samples", str(samples)], check=True)


def peak_rss_mib() -> float:
    """This process image's peak RSS (VmHWM): unlike ru_maxrss, not inherited across fork+exec
    from the parent that started it."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def answer_only(out: Path, total: int, samples: int) -> None:
    urls = [f"http://127.0.0.1/h/{i}.html" for i in range(total // 10)]
    v, d = answer_times(out, urls, samples)
    print(f"  versions p50 {statistics.median(v):.2f} ms p99 {p99(v):.2f} ms; "
          f"diff (html) p50 {statistics.median(d):.2f} ms p99 {p99(d):.2f} ms ({len(v)} URLs each); "
          f"peak RSS of the answering process {peak_rss_mib():.0f} MiB "
          f"(load average {os.getloadavg()[0]:.1f})")
    cli = []
    for url in urls[:: max(1, len(urls) // 10)][:10]:
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "archive_app.cli", "diff", url, "--out", str(out)], check=True,
                       stdout=subprocess.DEVNULL)
        cli.append((time.perf_counter() - started) * 1000)
    print(f"  whole `archive diff` command (process start, imports, answer): median {statistics.median(cli):.0f} ms, "
          f"max {max(cli):.0f} ms over {len(cli)} runs")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--versions", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--skip-decisions", action="store_true")
    parser.add_argument("--answer", type=Path, help=argparse.SUPPRESS)  # internal: the answering child
    args = parser.parse_args()
    if args.answer:
        answer_only(args.answer, args.versions, args.samples)
        return
    with tempfile.TemporaryDirectory(prefix="bench-versions-") as tmp:
        folder = Path(tmp)
        if not args.skip_decisions:
            bench_decisions(args.articles, folder)
        bench_history(10_000, folder, args.samples)
        bench_history(args.versions, folder, args.samples)


if __name__ == "__main__":
    main()
