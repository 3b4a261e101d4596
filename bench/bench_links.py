"""Benchmark: archive.links.absolute (the one URL resolver) against the plain standard-library
way (urljoin, then urlsplit to keep only http(s)), on references typical of a news page.

Run: .venv/bin/python bench/bench_links.py [--rounds 200]
Prints the time of each and their ratio; both must give the same URLs.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from urllib.parse import urljoin, urlsplit

from archive.links import absolute

BASE = "https://127.0.0.1/news/2018/03/story.html"
REFS = ["/img/a.jpg", "img/b.jpg", "//127.0.0.2/c.png", "https://127.0.0.1/d?x=1", "../e.css",
        "/f.png?w=800&h=600", "/media/2018/03/photo-1024x683.jpg", "mailto:editor@example.org"] * 50


def plain(base: str, ref: str) -> str | None:
    full = urljoin(base, ref.strip())
    parts = urlsplit(full)
    return full if parts.scheme in ("http", "https") and parts.netloc else None


def timed(fn: Callable[[str, str], str | None], rounds: int) -> float:
    start = time.perf_counter()
    for _ in range(rounds):
        for ref in REFS:
            fn(BASE, ref)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    assert [absolute(BASE, r) for r in REFS] == [plain(BASE, r) for r in REFS]
    ours = min(timed(absolute, args.rounds) for _ in range(5))
    theirs = min(timed(plain, args.rounds) for _ in range(5))
    n = args.rounds * len(REFS)
    print(f"archive.links.absolute: {ours / n * 1e6:.2f} us/ref; urljoin+urlsplit: {theirs / n * 1e6:.2f} us/ref; "
          f"speed-up {theirs / ours:.1f}x")


if __name__ == "__main__":
    main()
