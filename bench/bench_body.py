"""Benchmark: our article main text (``archive.extract.body``) against trafilatura's ``extract``,
on the same archived pages, in one run.

The pages are the article-body corpus (../shared/testdata/article-body: 124 real pages as WARCs,
text written out by people, its own word-level scorer). Each page's payload is read back from its
WARC with archive.records and decoded once; both tools then get the same decoded HTML string, and
each one's time includes parsing it (ours: parse_html + extract_body; trafilatura: extract, with
comments left out, as a reader of the article would want). Scores come from the corpus's
``score.py`` (``bag_scores``): mean per-page precision, recall and F1, and the pages left empty.

The corpus is split in two fixed halves by page id (sorted; even positions "dev", odd "check"):
the rules were developed looking at "dev" only, "check" shows how they carry to unseen pages.

``--cost corpus|extract`` instead measures what the articleBody step adds to metadata extraction:
on the corpus pages or on bench_extract.py's 313 pages, the whole ``extract_html`` per page (which
now includes it) against ``record_fields`` alone on the already parsed tree, interleaved per page,
fastest of ``--runs``.

Run: .venv/bin/python bench/bench_body.py [--corpus DIR] [--runs 3] [--worst 5] [--cost corpus|extract]
Needs the ``bench`` extra (trafilatura). Writes only bench/out/body-*.jsonl (per-page scores).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from archive.extract import extract_html  # noqa: E402
from archive.extract.body import extract_body, record_fields  # noqa: E402
from archive.extract.decode import decode_body  # noqa: E402
from archive.extract.parse import parse_html  # noqa: E402
from archive.records import iter_records  # noqa: E402

CORPUS = ROOT.parent / "shared" / "testdata" / "article-body"
OUT = ROOT / "bench" / "out"


@dataclass(frozen=True)
class Page:
    id: str
    url: str
    html: str
    truth: str


@dataclass(frozen=True)
class Result:
    tool: str
    page: Page
    text: str
    seconds: float
    scores: dict[str, float]


def load_pages(corpus: Path) -> list[Page]:
    truth = {e["id"]: e for e in json.loads((corpus / "groundtruth.json").read_text(encoding="utf-8"))}
    pages = []
    for pid in sorted(truth):
        entry = truth[pid]
        for rec in iter_records(corpus / entry["warc"]):
            if rec.info.rec_type == "response":
                body = rec.payload().read()
                html = decode_body(body, rec.info.http_headers or ()).text
                pages.append(Page(pid, entry["url"], html, entry["articleBody"]))
    return pages


def load_scorer(corpus: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("article_body_score", corpus / "score.py")
    if spec is None or spec.loader is None:
        raise SystemExit(f"no scorer at {corpus / 'score.py'}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def ours(page: Page) -> str:
    return extract_body(parse_html(page.html)).text


def trafilatura_tool() -> Callable[[Page], str]:
    try:
        import trafilatura
    except ImportError:
        raise SystemExit("trafilatura is missing: .venv/bin/python -m pip install -e '.[bench]'") from None

    def run(page: Page) -> str:
        return trafilatura.extract(page.html, url=page.url, include_comments=False) or ""

    return run


def measure(tools: dict[str, Callable[[Page], str]], pages: list[Page], runs: int,
            scorer: ModuleType) -> dict[str, list[Result]]:
    """Each page through each tool in turn (so a busy spell on the shared machine hits both),
    ``runs`` times; the fastest run counts."""
    out: dict[str, list[Result]] = {name: [] for name in tools}
    for page in pages:
        for name, run in tools.items():
            best, text = float("inf"), ""
            for _ in range(runs):
                start = time.perf_counter()
                text = run(page)
                best = min(best, time.perf_counter() - start)
            got = scorer.bag_scores(page.truth, text)
            out[name].append(Result(name, page, text, best, {k: got[k] for k in ("f1", "precision", "recall")}))
    return out


def summary(results: list[Result]) -> str:
    n = len(results)
    mean = {k: statistics.fmean(r.scores[k] for r in results) for k in ("f1", "precision", "recall")}
    empty = sum(1 for r in results if not r.text.strip())
    ms = 1000 * statistics.fmean(r.seconds for r in results)
    return (f"n={n:3d}  F1 {mean['f1']:.4f}  P {mean['precision']:.4f}  R {mean['recall']:.4f}  "
            f"empty {empty}  {ms:6.2f} ms/page")


def report(all_results: dict[str, list[Result]], dev: set[str], worst: int) -> None:
    for half, keep in (("all", None), ("dev", True), ("check", False)):
        print(f"\n[{half}]")
        for tool, results in all_results.items():
            chosen = [r for r in results if keep is None or (r.page.id in dev) == keep]
            print(f"  {tool:12s} {summary(chosen)}")
    mine, theirs = all_results["ours"], all_results["trafilatura"]
    ratio = sum(r.seconds for r in theirs) / max(sum(r.seconds for r in mine), 1e-9)
    print(f"\nspeed: ours is {ratio:.2f}x trafilatura's extract (total time per corpus, parsing included)")
    for r in sorted(mine, key=lambda r: r.scores["f1"])[:worst]:
        print(f"  worst ours: F1 {r.scores['f1']:.3f} P {r.scores['precision']:.3f} R {r.scores['recall']:.3f} "
              f"{r.page.url[:90]}")


def fastest(run: Callable[[], object], runs: int) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


Payload = tuple[bytes, str, list[tuple[str, str]]]  # (HTTP body, URL, HTTP headers)


def corpus_payloads(pages: list[Page]) -> list[Payload]:
    return [(p.html.encode("utf-8"), p.url, [("Content-Type", "text/html; charset=utf-8")]) for p in pages]


def extract_bench_payloads() -> list[Payload]:
    """bench_extract.py's own 313 pages (its fixtures and generated layouts), read back from a WARC."""
    import bench_extract  # bench/ is on sys.path when this file is run as a script

    pages = bench_extract.archived(bench_extract.fixtures() + bench_extract.generate(300))
    return [(p.body, p.url, p.headers) for p in pages]


def cost(payloads: list[Payload], runs: int) -> None:
    """What the articleBody step costs inside the whole metadata extraction of a page."""
    whole = step = 0.0
    for body, url, headers in payloads:
        whole += fastest(lambda: extract_html(body, url=url, headers=headers), runs)  # noqa: B023
        tree = parse_html(decode_body(body, headers).text)
        step += fastest(lambda: record_fields(tree), runs)  # noqa: B023
    n = len(payloads)
    print(f"{n} pages: extract_html (articleBody included) {1000 * whole / n:.3f} ms/page; articleBody step alone "
          f"{1000 * step / n:.3f} ms/page = {100 * step / whole:.0f}% of it")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--runs", type=int, default=3, help="timed runs per page; the fastest counts")
    parser.add_argument("--worst", type=int, default=5, help="list our N lowest-F1 pages")
    parser.add_argument("--cost", choices=("corpus", "extract"), default=None,
                        help="the articleBody step's share of extract_html, on the corpus or on bench_extract's pages")
    args = parser.parse_args(argv)
    if not (args.corpus / "groundtruth.json").is_file():
        print(f"no corpus at {args.corpus} (needs groundtruth.json, warcs/, score.py)", file=sys.stderr)
        return 2
    scorer = load_scorer(args.corpus)
    pages = load_pages(args.corpus)
    if args.cost:
        cost(corpus_payloads(pages) if args.cost == "corpus" else extract_bench_payloads(), args.runs)
        return 0
    dev = {p.id for i, p in enumerate(pages) if i % 2 == 0}
    tools: dict[str, Callable[[Page], str]] = {"ours": ours, "trafilatura": trafilatura_tool()}
    for page in pages[:3]:  # warm both up (imports, compiled regexes) before anything is timed
        for run in tools.values():
            run(page)
    results = measure(tools, pages, args.runs, scorer)
    report(results, dev, args.worst)
    OUT.mkdir(parents=True, exist_ok=True)
    for name, got in results.items():
        with open(OUT / f"body-{name}.jsonl", "w", encoding="utf-8") as fh:
            for r in got:
                fh.write(json.dumps({"url": r.page.url, "articleBody": r.text, **r.scores}) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
