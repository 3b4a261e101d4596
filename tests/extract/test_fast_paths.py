"""The extractor's fast paths give exactly what the plain library call they stand in for gives."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

from hypothesis import given, settings
from hypothesis import strategies as st

from archive.extract import images
from archive.extract.dates import (
    _AR,
    _DIGITS,
    _DMY,
    _DOTTED,
    _ISO,
    _MDY,
    _SLASHED,
    _match_to_iso,
    find_date,
)
from archive.extract.heuristics import word_count
from archive.extract.parse import _BAD_CHARS, _has_bad_chars, absolute

_URL_BITS = ["http", "https", "HTTP", "ftp", ":", "//", "/", "a.com", "A.Com", "x:80", "[::1]", "[", "@", "?", "#",
             ";", ";p", ".", "..", "/.", "/..", "q=1", " ", "\t", "\n", "\x00", "\xa0", "é", "%20", "img.jpg", "\\",
             "javascript:", "data:", "é.com"]
_BASES = ["https://news.example/2020/a-1.html", "http://h.example/", "https://h.example", "http://h.example/a/b/?q#f",
          "https://u@h:8/x;p?q", "", "ftp://f.example/x", "https://[::1]/x", "http:/nonet", "rel/base"]
_ref = st.lists(st.sampled_from(_URL_BITS), max_size=8).map("".join)
_prefixed = st.tuples(st.sampled_from(["", "http://", "https://", "//", "/"]), _ref).map("".join)


def _absolute_reference(base: str, ref: str) -> str | None:
    """absolute() as it was written before the fast path: urljoin, then an http(s) check."""
    ref = ref.strip()
    if not ref or ref.startswith(("data:", "javascript:", "about:", "#", "blob:")):
        return None
    try:
        full = urljoin(base, ref.replace(" ", "%20"))
        parts = urlsplit(full)
    except ValueError:
        return None
    return full if parts.scheme in ("http", "https") and parts.netloc else None


@settings(max_examples=2000)
@given(st.sampled_from(_BASES) | _prefixed, _prefixed)
def test_absolute_matches_urljoin(base: str, ref: str) -> None:
    assert absolute(base, ref) == _absolute_reference(base, ref)


@settings(deadline=None)  # a property, not a timing: a busy shared machine exceeded the 200 ms default
@given(st.text(alphabet=st.sampled_from(["a", "b", " ", "\t", "\n", "\x0b", "\x1c", "\x85", "\xa0", "\u2003"])))
def test_word_count_is_str_split(text: str) -> None:
    assert word_count(text) == len(text.split())


@given(st.text(alphabet=st.sampled_from(["a", "\x00", "\x08", "\t", "\x0b", "\x1f", " ", "\x7f", "é", "\ufffe",
                                          "\uffff", "\ufffd", "\ud800", "\U0001f600"])))
def test_bad_char_check_is_the_regex(text: str) -> None:
    assert _has_bad_chars(text) == bool(_BAD_CHARS.search(text))


_HINTS = ["Logo", "ICON", "lazy-Load", "Blank.", "/AD/", "Caption", "legend", "x", "/", ".", " ", "\u212a", "ſ", "İ"]


@given(st.lists(st.sampled_from(_HINTS), max_size=6).map("".join))
def test_caseless_image_patterns_match_re_ignorecase(text: str) -> None:
    for rx in (images._PLACEHOLDER, images._CHROME_IMG, images._CAPTION_WORDS):
        assert images._has(rx, text) == bool(rx.search(text))


_DATE_BITS = ["12", "3", "2021", " ", ", ", "March", "MARCH", "Mar.", "SEPTEMBER", "of", "th", "at", "10:30", "PM",
              "p.m.", "-", "/", ".", "T", "t", "2021-03-12", "T10:00Z", "١٢", "آذار", "März", "\u212a", "x"]


def _find_date_reference(text: str) -> tuple[str, int, int] | None:
    """find_date with the IGNORECASE patterns on every text (no digit or ASCII shortcut)."""
    text = text.translate(_DIGITS)
    found = []
    for rx in (_ISO, _DOTTED, _MDY, _DMY, _AR, _SLASHED):
        for m in rx.finditer(text):
            iso = _match_to_iso(rx, m)
            if iso:
                found.append((m.start(), m.end(), iso))
                break
    if not found:
        return None
    start, end, iso = min(found)
    return iso, start, end


@settings(max_examples=1000)
@given(st.lists(st.sampled_from(_DATE_BITS), max_size=8).map("".join))
def test_find_date_ascii_shortcut(text: str) -> None:
    assert find_date(text) == _find_date_reference(text)
