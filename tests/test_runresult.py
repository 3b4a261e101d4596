"""The typed result of a capture run: one verdict, JSON only where it is written, and a value
Prefect can persist and hand across processes (Dask workers)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from archive.capture.report import CaptureReport
from archive.capture.session import ArticleResult, Failure
from archive.pipeline import capture_event
from archive.runresult import BagOutcome, MetadataOutcome, RunResult, SourceRun, all_ok

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


def _article(url: str, ok: bool, *, unchanged: bool = False, failures: tuple[Failure, ...] = ()) -> ArticleResult:
    return ArticleResult(url=url, final_url=url if ok else None, status=200 if ok else 404, ok=ok, record_id=None,
                         warc=None, requisites=2, requisites_ok=1, unchanged=unchanged, failures=list(failures))


def _result(*articles: ArticleResult, bag: BagOutcome | None = None, warcs: list[Path] | None = None) -> RunResult:
    return RunResult(CaptureReport("capture-x", NOW, NOW, list(articles), warcs or []), Path("/out/r.json"),
                     MetadataOutcome((Path("/out/m/a.json"),), ("a problem",)), bag)


def test_the_verdict_is_every_page_and_a_valid_bag() -> None:
    good, bad = _article("http://127.0.0.1/a", True), _article("http://127.0.0.1/b", False)
    assert _result(good).ok and _result(good, bag=BagOutcome(Path("/b"), True)).ok
    assert not _result(good, bag=BagOutcome(Path("/b"), False)).ok, "an invalid bag fails the run"
    assert not _result(good, bad).ok, "a page not captured fails the run"
    assert not _result().ok, "a run that captured nothing did not succeed"
    # The PREMIS capture event says the same.
    assert capture_event(_result(good).capture).outcome == "success"
    assert capture_event(_result(good, bad).capture).outcome == "failure"


def test_json_is_the_report_file_shape(tmp_path: Path) -> None:
    warc = tmp_path / "a.warc.gz"
    warc.write_bytes(b"x" * 10)
    same = Failure("http://127.0.0.1/i.jpg", "HTTP 404")
    result = _result(_article("http://127.0.0.1/a", True, unchanged=True, failures=(same,)),
                     _article("http://127.0.0.1/a2", True, failures=(same,)),
                     bag=BagOutcome(Path("/b"), False, ("x",), 5, kept_work_dir=Path("/w")), warcs=[warc])
    warc.unlink()  # the bag's WARCs leave the work folder: their size was taken with the report
    doc = result.to_json()
    assert (doc["pages"], doc["pages_captured"], doc["unchanged"], doc["warc_bytes"]) == (2, 2, 1, 10)
    assert doc["requisites"] == 4 and doc["requisites_captured"] == 2
    assert doc["metadata"] == {"records": 1, "problems": ["a problem"], "files": ["/out/m/a.json"]}
    assert doc["bag"] == {"path": "/b", "valid": False, "problems": ["x"], "bytes": 5, "kept_work_dir": "/w"}
    assert doc["report"] == "/out/r.json" and doc["warcs"] == ["a.warc.gz"]
    assert result.distinct_failures() == [same], "two URLs of one article share a failure: listed once"
    assert "bag" not in _result().to_json()


def test_source_verdicts() -> None:
    unchanged = SourceRun("feed", _result(_article("http://127.0.0.1/a", True, unchanged=True)))
    assert unchanged.verdict == "nothing new" and all_ok([unchanged])
    made = SourceRun("feed", _result(_article("http://127.0.0.1/a", True), bag=BagOutcome(Path("/b"), True)))
    broken = SourceRun("list", _result(_article("http://127.0.0.1/a", True), bag=BagOutcome(Path("/b"), False)))
    assert made.verdict == "valid" and broken.verdict == "INVALID"
    assert not all_ok([made, broken])


def test_prefect_can_persist_the_result() -> None:
    """Flow results go through Prefect's default (pickle) serializer when persisted, and through
    pickle to and from Dask workers: the typed result must round-trip with its verdict."""
    from prefect.serializers import PickleSerializer

    result = _result(_article("http://127.0.0.1/a", True), bag=BagOutcome(Path("/b"), True))
    back = PickleSerializer().loads(PickleSerializer().dumps(SourceRun("feed", result)))
    assert back.result.to_json() == result.to_json() and back.result.ok
