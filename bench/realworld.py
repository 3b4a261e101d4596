"""Real pages side by side: `archive extract`, trafilatura ``extract_metadata`` and htmldate
``find_date`` on the development corpus (../shared/testdata/realworld-metadata: 1,088 real pages as
WARCs, hand-made ground truth, its own scorer), in one run.

Accuracy: each tool's output is written as JSON Lines in the corpus's record shape and scored by
the corpus's own ``score.py`` (exact match, overall table). Speed:

- ours: ``archive extract WARC...`` over the whole corpus as ONE command (a fresh interpreter:
  imports, reading the WARCs, extraction, schema validation, JSON output all included);
- trafilatura: its ``load_html`` + ``extract_metadata`` loop over the same payloads, in this
  process, timed alone (reading the WARCs is not counted for it);
- htmldate: its ``find_date`` loop, the same way.

``--profile`` adds a cProfile of our extraction in-process, summed per module, to show where the
time goes. Only bench/out/ is written.
"""

from __future__ import annotations

import cProfile
import json
import pstats
import re
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "testdata" / "realworld-metadata"
OUT = ROOT / "bench" / "out"
_ROW = re.compile(r"^\| (headline|datePublished|authors, norm)[^|]*\| (\d+) \| (\d+)/(\d+) \(([\d.]+)%\)")
_FIELDS = {"headline": "headline", "datePublished": "datePublished", "authors, norm": "authors"}

Page = tuple[str, str, bytes]  # (WARC file name, target URI, payload bytes)


def pages(corpus: Path) -> list[Page]:
    sys.path.insert(0, str(ROOT))
    from archive.records import iter_records

    out = []
    for path in sorted((corpus / "warcs").glob("*.warc.gz")):
        for rec in iter_records(path):
            if rec.info.rec_type == "response":
                out.append((path.name, rec.info.target_uri or "", rec.payload().read()))
    return out


def score(corpus: Path, jsonl: Path, name: str, gt: Path | None = None) -> dict[str, tuple[int, int]]:
    """Overall exact scores per field, as the corpus's scorer prints them (``gt``: a subset of
    the ground truth instead of all of it)."""
    extra = ["--gt", str(gt)] if gt is not None else []
    done = subprocess.run([sys.executable, str(corpus / "score.py"), str(jsonl), "--tool-name", name, *extra],
                          capture_output=True, text=True, check=True)
    got: dict[str, tuple[int, int]] = {}
    overall = done.stdout.split("## Overall", 1)[-1].split("\n## ", 1)[0]
    for line in overall.splitlines():
        m = _ROW.match(line)
        if m:
            got[_FIELDS[m[1]]] = (int(m[3]), int(m[4]))
    return got


def halves(corpus: Path) -> dict[str, Path]:
    """The ground truth split in two by page id: rules are written on the pages whose id starts
    with an even byte and checked on the others (pages they were not written for)."""
    pages_gt = json.loads((corpus / "groundtruth.json").read_text(encoding="utf-8"))
    out: dict[str, Path] = {}
    for name, parity in (("even", 0), ("odd", 1)):
        path = OUT / f"groundtruth-{name}.json"
        path.write_text(json.dumps([p for p in pages_gt if int(p["id"][:2], 16) % 2 == parity]), encoding="utf-8")
        out[name] = path
    return out


def _table(title: str, scores: dict[str, dict[str, tuple[int, int]]]) -> None:
    print(f"\n{title:<16}{'news-archive':>20}{'trafilatura':>20}{'htmldate':>20}")
    for field in ("headline", "datePublished", "authors"):
        cells = []
        for tool in scores:
            got = scores[tool].get(field)
            cells.append(f"{got[0]}/{got[1]} ({100 * got[0] / max(got[1], 1):.1f}%)" if got and got[0] else "-")
        print(f"{field:<16}" + "".join(f"{c:>20}" for c in cells))


def score_all(corpus: Path, gt: Path | None = None) -> dict[str, dict[str, tuple[int, int]]]:
    return {tool: score(corpus, OUT / f"realworld-{slug}.jsonl", tool, gt)
            for tool, slug in (("news-archive", "ours"), ("trafilatura", "trafilatura"), ("htmldate", "htmldate"))}


def run_ours(corpus: Path, out: Path) -> float:
    """Seconds for ``archive extract`` over every WARC of the corpus, one command."""
    warcs = [str(p) for p in sorted((corpus / "warcs").glob("*.warc.gz"))]
    cmd = [sys.executable, "-c", "import sys; from archive_app.cli import main; sys.exit(main())", "extract", *warcs]
    start = time.perf_counter()
    with out.open("wb") as fh:
        done = subprocess.run(cmd, stdout=fh, stderr=subprocess.PIPE, cwd=ROOT, check=False)
    took = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"archive extract failed ({done.returncode}): {done.stderr.decode()[-2000:]}")
    if done.stderr.strip():
        print("archive extract reported:\n  " + "\n  ".join(done.stderr.decode().splitlines()[:20]))
    return took


def _loop(fn: Callable[[Page], dict[str, Any]], corpus_pages: list[Page]) -> tuple[float, list[dict[str, Any]]]:
    start = time.perf_counter()
    results = [fn(p) for p in corpus_pages]
    return time.perf_counter() - start, results


def trafilatura_record(page: Page) -> dict[str, Any]:
    from trafilatura import load_html
    from trafilatura.metadata import extract_metadata

    name, url, body = page
    tree = load_html(body)
    doc = extract_metadata(tree, default_url=url) if tree is not None else None
    authors = [a.strip() for a in ((doc.author if doc else None) or "").split(";") if a.strip()]
    return {"url": url, "warc": name, "headline": doc.title if doc else None,
            "author": [{"name": a} for a in authors], "datePublished": doc.date if doc else None}


def htmldate_record(page: Page) -> dict[str, Any]:
    from htmldate import find_date

    name, url, body = page
    try:
        found = find_date(body, url=url, original_date=True)
    except Exception:  # noqa: BLE001 - a tool failing on a page scores as "no value", like ours
        found = None
    return {"url": url, "warc": name, "datePublished": found}


def _write(path: Path, records: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for rec in records:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")


def profile(corpus: Path, top: int = 10) -> None:
    """Where our extraction spends its time: each stage of `archive extract` timed over the
    corpus in this process, then the costliest functions of record building under cProfile."""
    sys.path.insert(0, str(ROOT))
    from archive.extract.decode import decode_body
    from archive.extract.parse import parse_html
    from archive.extract.record import build
    from archive.extract.schema import validate_record
    from archive.extract.warcs import _plan
    from archive.records import iter_records

    paths = sorted((corpus / "warcs").glob("*.warc.gz"))
    spent: dict[str, float] = defaultdict(float)
    start = time.perf_counter()
    _plan(paths)
    spent["read WARCs, pass 1 (find the articles)"] = time.perf_counter() - start
    start = time.perf_counter()
    payloads = [(rec.info.target_uri or "", rec.payload().read(), rec.info.http_headers or ())
                for path in paths for rec in iter_records(path) if rec.info.rec_type == "response"]
    spent["read WARCs, pass 2 (payloads)"] = time.perf_counter() - start
    docs = []
    for url, body, headers in payloads:
        start = time.perf_counter()
        text = decode_body(body, headers).text
        spent["decode (content-encoding, charset)"] += time.perf_counter() - start
        start = time.perf_counter()
        docs.append((url, parse_html(text), headers))
        spent["parse (libxml2)"] += time.perf_counter() - start
    records = []
    for url, doc, headers in docs:
        start = time.perf_counter()
        records.append(build(doc, url=url, headers=headers, provenance={}))
        spent["build the record (sources, page scans)"] += time.perf_counter() - start
    for record in records:
        start = time.perf_counter()
        validate_record(record)
        spent["validate against the JSON Schema"] += time.perf_counter() - start
        start = time.perf_counter()
        json.dumps(record, ensure_ascii=False)
        spent["JSON output"] += time.perf_counter() - start
    total = sum(spent.values())
    print(f"\nwhere the time goes ({total:.1f} s in-process, no profiler):")
    for key, secs in spent.items():
        print(f"  {secs / total:6.1%}  {secs:6.2f} s  {key}")
    prof = cProfile.Profile()
    prof.enable()
    for url, doc, headers in docs:
        build(doc, url=url, headers=headers, provenance={})
    prof.disable()
    print(f"\nrecord building, top {top} functions by own time (cProfile):")
    stats = pstats.Stats(prof)
    rows = sorted(stats.stats.items(), key=lambda kv: -kv[1][2])[:top]  # type: ignore[attr-defined]
    for (filename, line, func), (_cc, calls, tottime, _ct, _callers) in rows:
        where = filename.split("/archive/", 1)[-1] if "/archive/" in filename else Path(filename).name
        print(f"  {tottime:6.2f} s  {calls:>8} calls  {func} ({where}:{line})")


def main(corpus: Path, *, do_profile: bool, runs: int = 1) -> int:
    if not (corpus / "groundtruth.json").is_file():
        print(f"corpus not found at {corpus}: pass --corpus DIR", file=sys.stderr)
        return 2
    OUT.mkdir(parents=True, exist_ok=True)
    corpus_pages = pages(corpus)
    from trafilatura.meta import reset_caches

    trafilatura_record(corpus_pages[0])  # imports outside the timing
    htmldate_record(corpus_pages[0])
    # Alternate the tools and keep each one's fastest run: on a shared machine the load moves
    # during a run, and the minimum is the figure least disturbed by it.
    times: dict[str, list[float]] = defaultdict(list)
    for _ in range(max(runs, 1)):
        reset_caches()
        times["ours"].append(run_ours(corpus, OUT / "realworld-ours.jsonl"))
        reset_caches()
        took, traf = _loop(trafilatura_record, corpus_pages)
        times["trafilatura"].append(took)
        took, hd = _loop(htmldate_record, corpus_pages)
        times["htmldate"].append(took)
    t_ours, t_traf, t_hd = min(times["ours"]), min(times["trafilatura"]), min(times["htmldate"])
    _write(OUT / "realworld-trafilatura.jsonl", traf)
    _write(OUT / "realworld-htmldate.jsonl", hd)
    scores = score_all(corpus)
    by_half = {name: score_all(corpus, gt) for name, gt in halves(corpus).items()}
    size = sum(len(p[2]) for p in corpus_pages)
    print(f"{len(corpus_pages)} real pages ({size / 1e6:.1f} MB) from {corpus}")
    _table("field (exact)", scores)
    for name, half in by_half.items():
        _table(f"{name} ids only", half)
    print(f"\ntime (fastest of {max(runs, 1)} alternating runs; all: "
          + ", ".join(f"{k} {' '.join(f'{t:.1f}' for t in v)}" for k, v in times.items()) + ")")
    print(f"      archive extract (one command, whole corpus) {t_ours:6.2f} s")
    print(f"      trafilatura extract_metadata loop (alone)    {t_traf:6.2f} s   ratio {t_traf / t_ours:5.2f}x")
    print(f"      htmldate find_date loop (alone)              {t_hd:6.2f} s   ratio {t_hd / t_ours:5.2f}x")
    (OUT / "realworld-results.json").write_text(json.dumps({
        "pages": len(corpus_pages), "bytes": size, "seconds": {"news-archive": t_ours, "trafilatura": t_traf,
        "htmldate": t_hd}, "all_runs": times, "scores": scores, "halves": by_half}, indent=2), encoding="utf-8")
    if do_profile:
        profile(corpus)
    return 0
