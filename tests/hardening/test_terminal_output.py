"""Issue 10, item 7: text from files and the web is shown, never acted on.

`archive list`, `show` and `index` print URLs, content types, Locations and file names taken
from WARCs; the CLI prints error messages quoting them. Whatever those hold (rich markup such
as `[/]` or `[link=file:///...]`, ESC sequences, CR, bidi overrides, bytes that are not UTF-8),
the commands neither crash nor emit a raw control character or a hidden link."""

from __future__ import annotations

import io
import os
import re
import sys
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archive.display import printable
from archive.replay.access import list_records
from archive.replay.sources import open_sources
from archive_app.cli import main

# What no output line may hold: C0 controls but LF, DEL, C1 controls, bidi controls, surrogates.
RAW = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
SGR = re.compile("\x1b\\[[0-9;]*m")  # rich's own colours when it believes it writes to a terminal

HOSTILE = ["[/]", "[link=file:///etc/passwd]http://ok.example/[/link]", "[bold]x", "\x1b[2J\x1b[31mred",
           "a\rVALID", "\u202egnp.exe", "x\x00y\x7f\x9b", "\u2066iso\u2069", "\\[escaped]", ":smile:"]


@pytest.mark.parametrize(("text", "shown"), [
    ("plain https://example.org/a?b=c#d", "plain https://example.org/a?b=c#d"),
    ("عربی و کوردی\u200c", "عربی و کوردی\u200c"),  # letters and joiners stay
    ("\x1b[31m", "\\x1b[31m"), ("a\rb", "a\\rb"), ("a\nb\tc", "a\\nb\\tc"), ("\x00\x7f\x85\x9b", "\\x00\\x7f\\x85\\x9b"),
    ("\u202e\u202a\u2066\u2069\u200e\u200f\u061c", "\\u202e\\u202a\\u2066\\u2069\\u200e\\u200f\\u061c"),
    ("\u2028\u2029", "\\u2028\\u2029"),
    (b"caf\xe9".decode("utf-8", "surrogateescape"), "caf\\xe9"),  # a non-UTF-8 file name byte
    ("\ud800", "\\ud800"),
])
def test_printable_escapes_what_a_terminal_acts_on(text: str, shown: str) -> None:
    assert printable(text) == shown


@given(st.text())
def test_printable_output_is_inert_and_encodable(text: str) -> None:
    shown = printable(text)
    assert not RAW.search(shown) and "\n" not in shown
    shown.encode("utf-8")  # strict: no surrogate survives
    if not RAW.search(text) and "\n" not in text:
        assert shown == text  # nothing visible is changed


def _warc(path: Path, rows: list[tuple[str, str, str]]) -> Path:
    """A WARC of responses with these (URL, Content-Type, Location) values, written by warcio."""
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for url, mime, location in rows:
            headers = [("Content-Type", mime)] + ([("Location", location)] if location else [])
            head = StatusAndHeaders("301 Moved" if location else "200 OK", headers, protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(b"body"),
                                                          http_headers=head))
    return path


def _run(argv: list[str]) -> tuple[int, str, str]:
    """``main(argv)`` with stdout and stderr as a UTF-8 terminal has them (strict: printing a
    lone surrogate would raise, as it does on a real terminal)."""
    out, err = (io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="strict") for _ in range(2))
    with redirect_stdout(out), redirect_stderr(err):
        code = main(argv)
    out.flush()
    err.flush()
    return code, out.buffer.getvalue().decode("utf-8"), err.buffer.getvalue().decode("utf-8")


def _check_listing(warc: Path, out: str) -> None:
    for line in out.splitlines():
        assert not RAW.search(SGR.sub("", line)), repr(line)
    assert "\x1b]8;" not in out  # no OSC 8 hyperlink: a link's text never hides its target
    flat = re.sub(r"\s+", "", SGR.sub("", out).replace("│", ""))
    for row in list_records(open_sources([warc])):
        # Each URL and type as read from the WARC, made printable, is there (cells may fold).
        assert re.sub(r"\s+", "", printable(row.url)) in flat
        assert re.sub(r"\s+", "", printable(row.mime or "")) in flat


def test_list_shows_hostile_urls_as_typed(tmp_path: Path) -> None:
    rows = [(f"http://127.0.0.1/{text}", f"text/html{text}", "") for text in HOSTILE]
    warc = _warc(tmp_path / "hostile.warc.gz", rows)
    code, out, _ = _run(["list", str(warc)])
    assert code == 0
    _check_listing(warc, out)
    assert "[link=file:///etc/passwd]http://ok.example/[/link]" in out and "\\x1b[2J" in out and "\\u202egnp" in out


@pytest.mark.parametrize("force_terminal", [False, True])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=st.lists(st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\r\n") | st.sampled_from("[]/=:\x1b\u202e"),
                              max_size=40), min_size=1, max_size=4))
def test_list_never_crashes_or_emits_raw_controls(tmp_path: Path, force_terminal: bool, texts: list[str],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Arbitrary URL and Content-Type text through `archive list`, also as rich sees a colour
    terminal (FORCE_COLOR), where a markup link would become an invisible OSC 8 hyperlink."""
    if force_terminal:
        monkeypatch.setenv("FORCE_COLOR", "1")
    else:
        monkeypatch.delenv("FORCE_COLOR", raising=False)
    try:
        warc = _warc(tmp_path / f"arb-{force_terminal}.warc.gz",
                     [(f"http://127.0.0.1/{t}", f"text/{t}", "") for t in texts])
    except UnicodeEncodeError:
        # warcio 1.8.1 cannot write a header with non-ASCII text before a `*=` (its RFC 5987
        # percent-encoder raises): no WARC to list, so no case for this test.
        reject()
    code, out, err = _run(["list", str(warc)])
    assert code in (0, 1), err  # 1 only with a reported read error, never a crash
    _check_listing(warc, out)
    assert not RAW.search(err.replace("\n", ""))


def test_show_prints_location_and_type_inertly(tmp_path: Path) -> None:
    url = "http://127.0.0.1/moved"
    warc = _warc(tmp_path / "moved.warc.gz", [(url, "text/html\x1b[8m", "http://127.0.0.1/\x1b]8;;file:///x\x07\rVALID")])
    code, _, err = _run(["show", str(warc), url, "-o", str(tmp_path / "out")])
    assert code == 0
    assert "redirects to http://127.0.0.1/\\x1b]8;;file:///x\\x07\\rVALID" in err
    assert "text/html\\x1b[8m" in err and not RAW.search(err.replace("\n", ""))


NAMES = ["a\rVALID.warc.gz", "\x1b[31mred.warc.gz", "\u202ezg.craw.warc.gz", "[bold]x[-].warc.gz", "[link=https:evil]x[-link].warc.gz"]
if sys.platform == "linux":  # a name that is not UTF-8 (ext4 and tmpfs accept any bytes)
    NAMES.append(os.fsdecode(b"caf\xe9.warc.gz"))


@pytest.mark.parametrize("name", NAMES)
def test_file_names_are_printed_inertly_by_every_command(tmp_path: Path, name: str) -> None:
    """A WARC whose own name is hostile, truncated so that reading it fails and the error
    message (which names the file) is printed by `list`, `index`, `show` and the CLI."""
    warc = _warc(tmp_path / name, [("http://127.0.0.1/a", "text/html", "")])
    data = warc.read_bytes()
    warc.write_bytes(data + b"garbage that is not a WARC record" * 3)
    shown = printable(name)
    for argv in (["list", str(warc)], ["index", str(warc)], ["index", str(warc), "-o", str(tmp_path / "i.cdxj")],
                 ["show", str(warc), "http://127.0.0.1/nothing-here"], ["show", str(warc), "http://127.0.0.1/a"]):
        code, out, err = _run(argv)
        assert code in (0, 1), (argv, err)
        assert shown in err, (argv, err)
        assert not RAW.search(err.replace("\n", "")), (argv, err)
        assert not RAW.search(SGR.sub("", out).replace("\n", "")), (argv, out)


_NAME_BYTES = st.binary(min_size=1, max_size=80).filter(lambda b: b"/" not in b and b"\0" not in b)


@settings(max_examples=60, deadline=None)
@given(raw=_NAME_BYTES)
def test_arbitrary_file_names_through_list_and_index(raw: bytes) -> None:
    """Any bytes a Linux file name may hold, shown by `list` and `index` (which name the file
    when it is damaged) without a crash, a raw control character or an unencodable character."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        warc = _warc(Path(tmp) / os.fsdecode(raw + b".warc.gz"), [("http://127.0.0.1/a", "text/html", "")])
        warc.write_bytes(warc.read_bytes() + b"not a record\r\n" * 3)
        for argv in (["list", str(warc)], ["index", str(warc)]):
            code, out, err = _run(argv)
            assert code == 1 and printable(os.fsdecode(raw)) in err, (argv, err)
            assert not RAW.search(err.replace("\n", "")) and not RAW.search(out.replace("\n", ""))


def test_capture_summary_prints_failures_inertly(capsys: pytest.CaptureFixture[str]) -> None:
    from datetime import UTC, datetime

    from archive.capture.report import CaptureReport
    from archive.capture.session import ArticleResult, Failure
    from archive.runresult import BagOutcome, MetadataOutcome, RunResult
    from archive_app.commands.capture import print_summary

    hostile = "http://127.0.0.1/\x1b]8;;file:///etc/passwd\x07x\x1b]8;;\x07\r\u202eVALID"
    article = ArticleResult(url="http://127.0.0.1/", final_url=None, status=200, ok=True, record_id=None, warc=None,
                            requisites=1, failures=[Failure(hostile, "HTTP 404 \x1b[2J")])
    now = datetime.now(UTC)
    report = RunResult(CaptureReport("c", now, now, [article], []), Path("/r.json"),
                       MetadataOutcome((Path("/m.json"),), ("bad \r\x1b[1A title",)),
                       BagOutcome(Path("/b"), False, ("data/\x1b[31mx: changed",), kept_work_dir=Path("/w")))
    print_summary(report)
    err = capsys.readouterr().err
    assert not RAW.search(err.replace("\n", ""))
    assert printable(hostile) in err and "\\x1b[2J" in err and "bad \\r\\x1b[1A title" in err and "\\x1b[31mx" in err


@pytest.mark.parametrize("argv", [["extract"], ["index"], ["list"]])
def test_error_hints_stay_on_their_own_line(tmp_path: Path, argv: list[str]) -> None:
    """An error's own line break (message, then its hint) is kept; only quoted text is escaped."""
    missing = tmp_path / "gone\x1b[2J.warc.gz"
    err = io.StringIO()
    with redirect_stderr(err), redirect_stdout(io.StringIO()):
        code = main([*argv, str(missing)])
    text = err.getvalue()
    assert code != 0
    assert "\\n" not in text, text  # the break between message and hint was escaped as text
    assert "\\x1b[2J" in text and not RAW.search(text), text


def test_error_text_keeps_its_own_lines_and_escapes_quoted_ones() -> None:
    from archive.display import error_text
    from archive.errors import UsageError

    exc = UsageError("refusing 2 input(s):", details=["a\nVALID.warc: empty", "b\r\x1b[2K.warc: not a WARC"],
                     hint="name only\nthe good WARCs")
    assert error_text(exc).split("\n") == ["refusing 2 input(s):", "  a\\nVALID.warc: empty",
                                           "  b\\r\\x1b[2K.warc: not a WARC", "  hint: name only\\nthe good WARCs"]
    assert str(exc) == exc.message + "\n  hint: name only\nthe good WARCs"  # library callers get the plain text
