"""Benchmark: our metadata extractor against trafilatura's, on the same archived pages.

The pages are the hand-checked fixtures of tests/extract/data (expected values in expected.json)
plus a generated variety of layouts (JSON-LD, OpenGraph, microdata, Dublin Core, plain HTML) whose
expected values are known from the generator. Every page is first written into a WARC and read
back with archive.records, so both tools see exactly the archived payload bytes.

Run: .venv/bin/python bench/bench_extract.py [--runs 5] [--generated 60]
Real pages: .venv/bin/python bench/bench_extract.py --corpus [DIR] [--profile] [--runs 3] compares `archive
extract`, trafilatura and htmldate on the real-world corpus instead (see bench/realworld.py).
Needs the ``bench`` extra (trafilatura >= 2, htmldate). Writes only bench/out/.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import realworld  # noqa: E402  (bench/ is on sys.path when this file is run as a script)

from archive.extract import extract_html  # noqa: E402
from archive.records import iter_records  # noqa: E402

DATA = ROOT / "tests" / "extract" / "data"
OUT = ROOT / "bench" / "out"
FIELDS = ("headline", "author", "datePublished", "description", "inLanguage", "image", "publisher")


@dataclass
class Page:
    name: str
    url: str
    body: bytes
    headers: list[tuple[str, str]]
    expected: dict[str, Any]


# --- generated pages ---------------------------------------------------------------------------

_FIRST = ["Amira", "John", "Leyla", "Omar", "Sofia", "Karim", "Hana", "Peter", "Noor", "Diego"]
_LAST = ["Haddad", "Smith", "Rashid", "Novak", "Costa", "Yilmaz", "Khan", "Berg", "Salih", "Moreno"]
_TOPICS = ["water talks", "oil exports", "city elections", "school reform", "bridge repairs", "power cuts",
           "refugee returns", "museum reopening", "farm subsidies", "rail strike"]
_SITES = ["Tigris Post", "Valley Herald", "Coast Chronicle", "Metro Daily", "Northern Star"]
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"]
_FILLER = ("Officials said the decision followed months of negotiation between the parties involved, "
           "and that further details would be published in the coming weeks. ")


_WORDS = ("council budget river police market school power water court election road hospital village "
          "minister report farmers prices week month officials residents plan talks crisis border").split()


def _sentence(rng: random.Random) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(rng.randint(8, 20))).capitalize() + f" ({rng.random():.6f})."


def _chrome(rng: random.Random, site: str) -> tuple[str, str]:
    top = (f'<header class="site-header"><a href="/"><img src="/static/logo.png" alt="{site}"></a>'
           f'<nav><ul><li><a href="/news">News</a></li><li><a href="/sport"><img src="/i/sport-icon.svg"></a></li></ul></nav></header>')
    bottom = ('<aside class="sidebar"><h3>Most read</h3><img src="/media/other/teaser.jpg"></aside>'
              f'<footer><p>© {site}</p><img src="https://stats.example/p.gif" width="1" height="1"></footer>')
    return top, bottom


def generate(n: int, seed: int = 7) -> list[Page]:
    rng = random.Random(seed)
    pages = []
    for i in range(n):
        layout = ("jsonld", "opengraph", "microdata", "plain", "dublincore")[i % 5]
        site = rng.choice(_SITES)
        author = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
        topic = rng.choice(_TOPICS)
        headline = f"{topic.capitalize()}: officials promise answers by {rng.choice(_MONTHS)}"
        y, m, d = rng.randint(2012, 2024), rng.randint(1, 12), rng.randint(1, 28)
        iso = f"{y:04d}-{m:02d}-{d:02d}"
        desc = f"A look at {topic} and what comes next for residents, number {i}."
        lang = rng.choice(["en", "en-GB", "en-US"])
        url = f"https://news{i % 7}.example/{y}/{topic.replace(' ', '-')}-{i}.html"
        img = f"https://cdn.news{i % 7}.example/media/{i}/main.jpg"
        # Distinct text on every page: real archives rarely repeat a paragraph, and repeated
        # strings would only measure trafilatura's string caches.
        paras = "".join(f"<p>{_sentence(rng)} {_FILLER} {_sentence(rng)}</p>" for _ in range(rng.randint(4, 40)))
        top, bottom = _chrome(rng, site)
        head = f"<title>{headline} | {site}</title>"
        figure = f'<figure><img src="{img}"><figcaption>Scene from the story. Photo: Staff</figcaption></figure>'
        byline = f'<div class="byline">By {author}</div>'
        dateline = f'<time datetime="{iso}">{d} {_MONTHS[m - 1]} {y}</time>'
        expected: dict[str, Any] = {"headline": headline, "author": [author], "datePublished": iso,
                                    "description": desc, "inLanguage": lang.split("-")[0], "images": [img], "publisher": site}
        if layout == "jsonld":
            ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": headline,
                  "author": [{"@type": "Person", "name": author}], "datePublished": f"{iso}T10:00:00Z",
                  "description": desc, "inLanguage": lang, "image": [{"@type": "ImageObject", "url": img}],
                  "publisher": {"@type": "Organization", "name": site}}
            head += f'<script type="application/ld+json">{json.dumps(ld)}</script>'
            body = f"<article><h1>{headline}</h1>{figure}{paras}</article>"
        elif layout == "opengraph":
            head += (f'<meta property="og:title" content="{headline}"><meta property="og:description" content="{desc}">'
                     f'<meta property="og:site_name" content="{site}"><meta property="og:image" content="{img}">'
                     f'<meta property="og:locale" content="{lang.replace("-", "_")}">'
                     f'<meta property="article:published_time" content="{iso}T08:00:00+02:00"><meta name="author" content="{author}">')
            body = f"<article><h1>{headline}</h1>{byline}{figure}{paras}</article>"
        elif layout == "microdata":
            head += f'<meta name="description" content="{desc}">'
            body = (f'<div itemscope itemtype="https://schema.org/NewsArticle"><h1 itemprop="headline">{headline}</h1>'
                    f'<span itemprop="author" itemscope itemtype="https://schema.org/Person"><span itemprop="name">{author}</span></span>'
                    f'<time itemprop="datePublished" datetime="{iso}">{iso}</time><meta itemprop="inLanguage" content="{lang}">'
                    f'<span itemprop="publisher" itemscope itemtype="https://schema.org/Organization"><meta itemprop="name" content="{site}"></span>'
                    f'{figure}<div itemprop="articleBody">{paras}</div></div>')
        elif layout == "dublincore":
            head += (f'<meta name="DC.title" content="{headline}"><meta name="DC.creator" content="{author}">'
                     f'<meta name="DC.date" content="{iso}"><meta name="DC.description" content="{desc}">'
                     f'<meta name="DC.language" content="{lang}"><meta name="DC.publisher" content="{site}">')
            body = f"<div class='content'><h1>{headline}</h1>{figure}{paras}</div>"
        else:
            head += f'<meta name="description" content="{desc}">'
            body = f'<div class="story"><h1>{headline}</h1>{byline}<div class="meta">{dateline}</div>{figure}{paras}</div>'
        html = f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">{head}</head><body>{top}{body}{bottom}</body></html>'
        pages.append(Page(f"gen-{i:03d}-{layout}", url, html.encode(), [("Content-Type", "text/html; charset=utf-8")], expected))
    return pages


def fixtures() -> list[Page]:
    expected = json.loads((DATA / "expected.json").read_text(encoding="utf-8"))
    expected.pop("_comment", None)
    pages = []
    for name, want in sorted(expected.items()):
        exp = {"headline": want.get("headline", ...), "author": want.get("author", ...),
               "datePublished": want.get("datePublished", ...), "description": want.get("description", ...),
               "inLanguage": want.get("inLanguage", ...), "images": want.get("images", ...),
               "publisher": want.get("publisher", ...)}
        pages.append(Page(name, want["url"], (DATA / name).read_bytes(), [("Content-Type", "text/html")],
                          {k: v for k, v in exp.items() if v is not ...}))
    return pages


def archived(pages: list[Page]) -> list[Page]:
    """Write the pages into a WARC under bench/out/ and read the payloads back from it."""
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / "bench-pages.warc.gz"
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for p in pages:
            http = StatusAndHeaders("200 OK", p.headers, protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(p.url, "response", payload=io.BytesIO(p.body), http_headers=http))
    by_url = {p.url: p for p in pages}
    out = []
    for rec in iter_records(path):
        page = by_url[rec.info.target_uri or ""]
        out.append(Page(page.name, page.url, rec.payload().read(), list(rec.info.http_headers or ()), page.expected))
    return out


# --- the two extractors, reduced to the compared fields -------------------------------------------


def ours(p: Page) -> dict[str, Any]:
    r = extract_html(p.body, url=p.url, headers=p.headers)
    return {
        "headline": r.get("headline"),
        "author": [a["name"] for a in r.get("author", [])] or None,  # type: ignore[attr-defined]
        "datePublished": r.get("datePublished"),
        "description": r.get("description"),
        "inLanguage": r.get("inLanguage"),
        "image": [i["url"] for i in r.get("image", [])],  # type: ignore[attr-defined]
        "publisher": r["publisher"]["name"] if "publisher" in r else None,  # type: ignore[index]
    }


def trafilatura_meta(p: Page) -> dict[str, Any]:
    from trafilatura import load_html
    from trafilatura.metadata import extract_metadata

    tree = load_html(p.body)
    doc = extract_metadata(tree, default_url=p.url) if tree is not None else None
    if doc is None:
        return {}
    authors = [a.strip() for a in (doc.author or "").split(";") if a.strip()]
    return {
        "headline": doc.title, "author": authors or None, "datePublished": doc.date, "description": doc.description,
        "inLanguage": doc.language, "image": [doc.image] if doc.image else [], "publisher": doc.sitename,
    }


def correct(field: str, got: Any, want: dict[str, Any]) -> bool | None:
    """None when the page has no expected value for the field (not scored)."""
    key = "images" if field == "image" else field
    if key not in want:
        return None
    expected = want[key]
    if field == "image":
        expected = expected or []
        return (not got and not expected) or bool(got and expected and got[0] in expected)
    if expected is None:
        return got in (None, "", [])
    if got in (None, "", []):
        return False
    if field == "datePublished":
        return bool(str(got)[: len(expected)] == expected[:10] or str(got) == expected)
    if field == "inLanguage":
        return bool(str(got).lower().split("-")[0] == expected.lower().split("-")[0])
    if field == "author":
        return [a.lower() for a in got] == [a.lower() for a in expected]
    return str(got).strip().lower() == str(expected).strip().lower()


def _reset_caches() -> None:
    """Empty trafilatura's LRU caches, so each run sees every page for the first time, as an
    archive does (repeated runs over the same pages would otherwise measure cache hits)."""
    from trafilatura.meta import reset_caches

    reset_caches()


def timed(fn: Callable[[Page], Any], pages: list[Page], runs: int) -> float:
    rates = []
    for _ in range(runs):
        _reset_caches()
        start = time.perf_counter()
        for p in pages:
            fn(p)
        rates.append(len(pages) / (time.perf_counter() - start))
    return statistics.median(rates)


def main() -> int:  # noqa: C901 (issue 12: split into named steps after the merge)
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--generated", type=int, default=300)
    ap.add_argument("--corpus", nargs="?", type=Path, const=realworld.CORPUS, default=None,
                    help=f"real pages with ground truth instead (default: {realworld.CORPUS})")
    ap.add_argument("--profile", action="store_true", help="with --corpus: where our extraction spends its time")
    args = ap.parse_args()
    if args.corpus is not None:
        return realworld.main(args.corpus, do_profile=args.profile, runs=args.runs)
    pages = archived(fixtures() + generate(args.generated))
    for p in pages:  # warm-up (imports, caches) outside the timing
        ours(p)
        trafilatura_meta(p)
    rate_ours = timed(ours, pages, args.runs)
    rate_traf = timed(trafilatura_meta, pages, args.runs)
    scores: dict[str, dict[str, list[int]]] = {f: {"ours": [0, 0], "trafilatura": [0, 0]} for f in FIELDS}
    misses: list[str] = []
    for p in pages:
        results = {"ours": ours(p), "trafilatura": trafilatura_meta(p)}
        for field in FIELDS:
            for tool, got in results.items():
                ok = correct(field, got.get(field), p.expected)
                if ok is None:
                    continue
                scores[field][tool][1] += 1
                scores[field][tool][0] += int(ok)
                if not ok and tool == "ours":
                    misses.append(f"{p.name}: {field}: got {got.get(field)!r}")
    size = sum(len(p.body) for p in pages)
    print(f"{len(pages)} archived pages ({size / 1e6:.1f} MB), median of {args.runs} runs")
    print(f"  news-archive : {rate_ours:8.1f} pages/s")
    print(f"  trafilatura  : {rate_traf:8.1f} pages/s")
    print(f"  speed ratio  : {rate_ours / rate_traf:8.2f}x")
    print()
    print(f"{'field':<15}{'news-archive':>16}{'trafilatura':>16}")
    worse = []
    for field in FIELDS:
        (a, n), (b, m) = scores[field]["ours"], scores[field]["trafilatura"]
        print(f"{field:<15}{f'{a}/{n} ({100 * a / max(n, 1):.0f}%)':>16}{f'{b}/{m} ({100 * b / max(m, 1):.0f}%)':>16}")
        if b > a:
            worse.append(field)
    if misses:
        print("\nour misses:\n  " + "\n  ".join(misses[:30]))
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "results.json").write_text(json.dumps({
        "pages": len(pages), "bytes": size, "runs": args.runs, "pages_per_second": {"news-archive": rate_ours,
        "trafilatura": rate_traf}, "ratio": rate_ours / rate_traf, "accuracy": scores, "our_misses": misses,
    }, indent=2, ensure_ascii=False), encoding="utf-8")
    print(f"\ngoal (>= 3x, no field worse): {'met' if rate_ours / rate_traf >= 3 and not worse else 'NOT met'}"
          + (f" (trafilatura better on: {', '.join(worse)})" if worse else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
