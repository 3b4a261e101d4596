"""Hostile tag files: whatever bagit.txt, bag-info.txt, the manifests or fetch.txt say, every bag
gets a verdict with named problems, and the bags after it are still checked (issue 10 item 3).

The property tests run the real CLI (``archive validate --json``) over a hostile bag between two
intact ones: its output must be one JSON document with a verdict per bag, exit 0 or 1, and the
intact bags valid. Any exception escaping the command fails the test (the CLI re-raises what it
does not translate).
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archive.package import build_bag
from archive.validate import validate_bag
from archive.validate import validator as validator_module
from archive.validate.audit import fixity_event
from archive_app.cli import main
from tests.package.conftest import bag_info, write_metadata, write_warc

# Codecs Python knows that are not text encodings (bytes.decode refuses them with LookupError),
# text codecs that fail with a bare UnicodeError, and ordinary ones.
TRANSFORMS = ["rot13", "rot_13", "base64", "base64_codec", "hex", "zlib", "bz2", "uu", "quopri"]
ODD_TEXT = ["punycode", "undefined", "idna", "utf-7", "unicode_escape", "raw_unicode_escape",
            "utf-16", "utf-32", "utf_8_sig", "cp500", "mbcs", "no-such-codec", "x" * 5000]
TAG_FILES = ["bagit.txt", "bag-info.txt", "manifest-sha256.txt", "tagmanifest-sha512.txt", "fetch.txt"]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    src = tmp_path_factory.mktemp("src")
    warc = write_warc(src / "capture.warc.gz", pages=2, body_size=200)
    meta = write_metadata(src / "article-0.json", 0)
    return build_bag(tmp_path_factory.mktemp("bags") / "bag", warcs=[warc], metadata=[meta], info=bag_info())


@contextlib.contextmanager
def three_bags(template: Path) -> Iterator[tuple[Path, Path, Path]]:
    """An intact bag, one to damage, and another intact bag, in a fresh folder (hypothesis runs
    many examples per test, so pytest's per-test tmp_path would be shared between them)."""
    with tempfile.TemporaryDirectory(prefix="hostile-fields-") as tmp:
        yield tuple(Path(shutil.copytree(template, Path(tmp) / name))  # type: ignore[misc]
                    for name in ("before", "hostile", "after"))


def run_json(*bags: Path) -> tuple[int, dict[str, Any]]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["validate", "--json", "--quiet", *map(str, bags)])
    assert "Traceback" not in err.getvalue()
    return code, json.loads(out.getvalue())


def assert_verdicts(code: int, doc: dict[str, Any], bags: tuple[Path, Path, Path]) -> dict[str, Any]:
    """Each bag has a verdict; the intact ones are valid; the hostile one's problems name files."""
    assert code in (0, 1)
    assert [b["bag"] for b in doc["bags"]] == [str(b) for b in bags]
    before, hostile, after = doc["bags"]
    assert before["valid"] is True and after["valid"] is True
    assert isinstance(hostile["valid"], bool) and "error" not in hostile
    assert code == (0 if hostile["valid"] else 1)
    for problem in hostile["problems"]:
        assert problem["path"] and problem["kind"] and problem["detail"]
        assert problem["kind"] != "not-checked", problem  # every input foreseen, not the backstop
    if not hostile["valid"]:
        assert hostile["problems"]
    return hostile


def set_field(bag: Path, name: str, label: str, value: str) -> None:
    text = (bag / name).read_text(encoding="utf-8")
    line = f"{label}: {value}"
    new, n = re.subn(rf"^{re.escape(label)}: .*$", lambda _: line, text, flags=re.M)
    (bag / name).write_text(new if n else text + line + "\n", encoding="utf-8")


# --- the known crashers -----------------------------------------------------------------------


@pytest.mark.parametrize("encoding", TRANSFORMS + ODD_TEXT, ids=lambda e: e[:20])
def test_any_declared_encoding_gets_a_verdict_and_the_next_bag_is_checked(template: Path, encoding: str) -> None:
    with three_bags(template) as bags:
        set_field(bags[1], "bagit.txt", "Tag-File-Character-Encoding", encoding)
        code, doc = run_json(*bags)
        hostile = assert_verdicts(code, doc, bags)
    assert hostile["valid"] is False  # bagit.txt changed, at the least
    if encoding in TRANSFORMS or encoding in ("mbcs", "no-such-codec") or len(encoding) > 100:
        bad = [p for p in hostile["problems"] if p["path"] == "bagit.txt" and p["kind"] == "bad-declaration"]
        assert bad and encoding[:100] in bad[0]["detail"], hostile["problems"]
        assert len(bad[0]["detail"]) < 400  # a 5,000-character name is quoted, not copied


def test_non_text_codec_is_named_as_such(template: Path) -> None:
    with three_bags(template) as bags:
        set_field(bags[1], "bagit.txt", "Tag-File-Character-Encoding", "rot13")
        report = validate_bag(bags[1])
    details = [p.detail for p in report.problems if p.path == "bagit.txt"]
    assert any("not a text encoding" in d for d in details), details


@pytest.mark.parametrize("digits", [4301, 5000, 100_000])
def test_payload_oxum_with_thousands_of_digits_is_a_mismatch_not_a_crash(template: Path, digits: int) -> None:
    with three_bags(template) as bags:
        set_field(bags[1], "bag-info.txt", "Payload-Oxum", "9" * digits + ".3")
        code, doc = run_json(*bags)
        hostile = assert_verdicts(code, doc, bags)
    oxum = [p for p in hostile["problems"] if p["kind"] == "oxum-mismatch"]
    assert oxum and f"({digits:,} digits)" in oxum[0]["detail"] and len(oxum[0]["detail"]) < 300


def test_payload_oxum_with_leading_zeros_still_matches(template: Path) -> None:
    with three_bags(template) as bags:
        oxum = next(line for line in (bags[1] / "bag-info.txt").read_text().splitlines()
                    if line.startswith("Payload-Oxum: "))
        size, count = oxum.split(": ")[1].split(".")
        set_field(bags[1], "bag-info.txt", "Payload-Oxum", f"{'0' * 5000}{size}.00{count}")
        report = validate_bag(bags[1], fast=True)
    assert "oxum-mismatch" not in {p.kind for p in report.problems}


def test_a_check_that_raises_is_a_named_problem_and_the_others_still_run(
        template: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The backstop, for the failure nobody has thought of yet: simulated by a check that raises."""
    real = validator_module._check_oxum

    def broken(st: object, *args: object) -> None:
        if st.root.name == "hostile":  # type: ignore[attr-defined]
            raise RuntimeError("unforeseen input")
        real(st, *args)  # type: ignore[arg-type]

    with three_bags(template) as bags:
        (bags[1] / "data" / "extra.txt").write_bytes(b"not listed")
        monkeypatch.setattr(validator_module, "_check_oxum", broken)
        report = validate_bag(bags[1])
        code, doc = run_json(*bags)
    assert report.valid is False
    kinds = {p.kind for p in report.problems}
    assert "not-checked" in kinds and "unexpected" in kinds  # completeness ran after all
    detail = next(p.detail for p in report.problems if p.kind == "not-checked")
    assert "Payload-Oxum" in detail and "unforeseen input" in detail
    assert code == 1 and [b["valid"] for b in doc["bags"]] == [True, False, True]
    assert fixity_event(bags[1], report).outcome == "failure"


def test_whole_validation_raising_still_gives_a_verdict(template: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: object) -> None:
        raise ValueError("inventory failed")

    with three_bags(template) as bags:
        monkeypatch.setattr(validator_module, "take_inventory", broken)
        report = validate_bag(bags[1])
    assert report.valid is False and [p.kind for p in report.problems] == ["not-checked"]
    assert "inventory failed" in report.problems[0].detail


def test_profile_with_wrongly_typed_rules_is_a_usage_error(template: Path, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    cases: list[dict[str, Any]] = [{"Bag-Info": {"Source-Organization": "yes"}}, {"Bag-Info": []},
             {"Bag-Info": {"X": {"required": "yes"}}}, {"Bag-Info": {"X": {"values": "abc"}}},
             {"Manifests-Required": "sha256"}, {"Tag-Files-Allowed": [1, 2]}, {"Accept-BagIt-Version": 1.0}]
    for i, case in enumerate(cases):
        path = tmp_path / f"profile-{i}.json"
        path.write_text(json.dumps({"BagIt-Profile-Info": {"BagIt-Profile-Identifier": "x"}, **case}))
        code = main(["validate", "--quiet", "--profile", str(path), str(template)])
        err = capsys.readouterr().err
        assert code == 2 and "not a BagIt profile" in err and "Traceback" not in err, (case, err)


def test_human_output_escapes_control_characters_in_file_names(template: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    """A CR and an ESC in a payload name must not rewrite the UNEXPECTED line into a fake verdict."""
    with three_bags(template) as bags:
        (bags[1] / "data" / "a\r\x1b[2KVALID\x1b[0m.txt").write_bytes(b"x")
        code = main(["validate", "--quiet", str(bags[1])])
    out = capsys.readouterr().out
    assert code == 1
    assert "\r" not in out and "\x1b" not in out
    assert "data/a\\r\\x1b[2KVALID\\x1b[0m.txt" in out
    assert out.rstrip("\n").splitlines()[-1].startswith("INVALID")


# --- property tests -----------------------------------------------------------------------------

# Labels and values as a hostile editor might write them: any text, including colons, line
# breaks, controls, surrogates and very long runs.
_text = st.text(st.characters(codec=None, exclude_categories=()), max_size=60)
_long_digits = st.integers(0, 6000).map(lambda n: "9" * n)
_field = st.tuples(st.one_of(_text, st.sampled_from(["Payload-Oxum", "BagIt-Profile-Identifier",
                                                     "Bag-Size", "Bagging-Date", "Tag-File-Character-Encoding"])),
                   st.one_of(_text, _long_digits, st.builds(lambda a, b: f"{a}.{b}", _long_digits, _long_digits)))
_bytes = st.binary(max_size=400)
_slow = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                        HealthCheck.too_slow])


@_slow
@given(fields=st.lists(_field, max_size=6), encoding=st.sampled_from(["UTF-8"] + TRANSFORMS + ODD_TEXT))
def test_arbitrary_bag_info_fields_and_declared_encoding(template: Path, fields: list[tuple[str, str]],
                                                         encoding: str) -> None:
    with three_bags(template) as bags:
        hostile = bags[1]
        for label, value in fields:
            with open(hostile / "bag-info.txt", "a", encoding="utf-8", errors="surrogatepass") as f:
                f.write(f"{label}: {value}\n")
        set_field(hostile, "bagit.txt", "Tag-File-Character-Encoding", encoding)
        assert_verdicts(*run_json(*bags), bags)


@_slow
@given(name=st.sampled_from(TAG_FILES), lines=st.lists(_text, max_size=8), encoding=st.sampled_from(
    ["UTF-8", "UTF-16", "rot13", "punycode", "utf-7", "unicode_escape"]))
def test_arbitrary_lines_appended_to_any_tag_file(template: Path, name: str, lines: list[str], encoding: str) -> None:
    with three_bags(template) as bags:
        hostile = bags[1]
        with open(hostile / name, "a", encoding="utf-8", errors="surrogatepass") as f:
            f.write("".join(line + "\n" for line in lines))
        if name != "bagit.txt":
            set_field(hostile, "bagit.txt", "Tag-File-Character-Encoding", encoding)
        assert_verdicts(*run_json(*bags), bags)


@_slow
@given(name=st.sampled_from(TAG_FILES), data=_bytes, append=st.booleans())
def test_arbitrary_bytes_in_any_tag_file(template: Path, name: str, data: bytes, append: bool) -> None:
    with three_bags(template) as bags:
        with open(bags[1] / name, "ab" if append else "wb") as f:
            f.write(data)
        assert_verdicts(*run_json(*bags), bags)
