"""Manifest and bag-info formatting: round trips, and no name can forge a line."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from archive.errors import BagError
from archive.package.baginfo import format_bag_info, parse_tag_lines
from archive.package.manifest import (
    ManifestLine,
    decode_path,
    encode_path,
    format_manifest,
    parse_manifest,
)
from archive.validate.paths import unsafe_reason

names = st.text(st.characters(blacklist_categories=["Cs"]), min_size=1, max_size=40).filter(
    lambda s: s.strip() == s and not s.startswith(("*", "./")))


@given(names)
def test_percent_encoding_round_trips(name: str) -> None:
    encoded = encode_path(name)
    assert "\n" not in encoded and "\r" not in encoded
    assert decode_path(encoded) == name


@given(st.dictionaries(names.map(lambda n: "data/" + n), st.sampled_from(["ab" * 32, "cd" * 32]), max_size=8))
def test_manifest_round_trip_is_sorted_and_exact(entries: dict[str, str]) -> None:
    text = format_manifest(entries).decode("utf-8")
    parsed = list(parse_manifest(text))
    assert all(isinstance(p, ManifestLine) for p in parsed)
    assert {p.path: p.digest for p in parsed} == entries  # type: ignore[union-attr]
    assert [p.path for p in parsed] == sorted(entries)  # type: ignore[union-attr]


def test_bag_info_values_cannot_forge_fields() -> None:
    text = format_bag_info([("External-Description", "one\nPayload-Oxum: 1.1")]).decode()
    fields = [t for t in parse_tag_lines(text)]
    assert len(fields) == 1 and fields[0].label == "External-Description"  # type: ignore[union-attr]
    with pytest.raises(BagError):
        format_bag_info([("Bad: label", "x")])


@pytest.mark.parametrize("path", ["../x", "data/../../x", "/etc/passwd", "~/x", "~root/x", "C:\\x", "c:x",
                                  "\\\\server\\share\\x", "//server/x", "%HomeDrive%\\x", "data\\..\\..\\x",
                                  "data/\x00x", ""])
def test_escaping_paths_are_unsafe(path: str) -> None:
    assert unsafe_reason(path) is not None


@pytest.mark.parametrize("path", ["data/a.txt", "data/..hidden", "data/a..b", "data/%7Efile", "data/100%.txt",
                                  "data/x:y", "data/~tilde"])
def test_ordinary_paths_are_safe(path: str) -> None:
    assert unsafe_reason(path) is None
