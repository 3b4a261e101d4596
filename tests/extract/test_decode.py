"""Content-encoding and charset decoding, including the Arabic windows-1256 edition."""

from __future__ import annotations

import gzip
import zlib

import brotli
import pytest

from archive.errors import ExtractError
from archive.extract.decode import MAX_DECODED, decode_body
from tests.extract.conftest import Extract, page

AR_HEADLINE = "عفو أم عار: ماذا بعد لعناصر الأمن الذين فروا من الأنبار؟"
AR_URL = "https://www.niqash.example/ar/articles/security/5862/"


def _with_http_equiv(body: bytes) -> bytes:
    tag = b'<meta http-equiv="Content-Type" content="text/html; charset=windows-1256">'
    return body.replace(b"<head>", b"<head>" + tag, 1)


@pytest.mark.parametrize(
    ("variant", "headers", "source"),
    [
        ("header", [("Content-Type", "text/html; charset=windows-1256")], "http"),
        ("http-equiv", [("Content-Type", "text/html")], "meta"),
        ("none", [("Content-Type", "text/html")], "detected"),
    ],
)
def test_arabic_windows_1256(variant: str, headers: list[tuple[str, str]], source: str, extract: Extract) -> None:
    body = page("niqash_ar.cp1256.html")
    if variant == "http-equiv":
        body = _with_http_equiv(body)
    decoded = decode_body(body, headers)
    assert (decoded.charset, decoded.charset_source) == ("cp1256", source)
    record = extract(body, url=AR_URL, headers=headers)
    assert record["headline"] == AR_HEADLINE
    assert record["author"] == [{"@type": "Person", "name": "كمال العياش"}]


def test_header_charset_beats_a_wrong_meta() -> None:
    body = _with_http_equiv(page("niqash_ar.cp1256.html")).replace(b"windows-1256", b"iso-8859-1")
    decoded = decode_body(body, [("Content-Type", "text/html; charset=windows-1256")])
    assert AR_HEADLINE in decoded.text


def test_iso_8859_1_label_means_windows_1252() -> None:
    body = b'<html><head><meta charset="iso-8859-1"></head><body><p>It\x92s \x93quoted\x94</p></body></html>'
    assert "It’s “quoted”" in decode_body(body, []).text


def test_bom_beats_meta_charset(extract: Extract) -> None:
    decoded = decode_body(page("bom_utf8.html"), [])
    assert decoded.charset_source == "bom" and not decoded.text.startswith("\ufeff")
    assert extract(page("bom_utf8.html"))["headline"] == "Grève à la SNCF : le trafic perturbé jusqu’à jeudi"


def test_kurdish_sorani_utf8(extract: Extract) -> None:
    record = extract(page("niqash_ckb.html"), url="https://www.niqash.example/ku/articles/security/5862/")
    assert record["inLanguage"] == "ckb"
    assert record["author"][0]["name"] == "کەمال عەیاش"
    assert record["datePublished"] == "2018-03-15"  # printed with Arabic-Indic digits


@pytest.mark.parametrize(
    ("coding", "encode"),
    [
        ("gzip", gzip.compress),
        ("x-gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", lambda b: zlib.compress(b)[2:-4]),  # raw deflate, as many servers send it
        ("br", brotli.compress),
    ],
)
def test_content_encodings(coding: str, encode: object, extract: Extract) -> None:
    raw = page("niqash_en.html")
    body = encode(raw)  # type: ignore[operator]
    headers = [("Content-Type", "text/html; charset=utf-8"), ("Content-Encoding", coding)]
    assert decode_body(body, headers).text == raw.decode("utf-8")
    assert extract(body, headers=headers)["author"] == [{"@type": "Person", "name": "Kamal al-Ayash"}]


def test_gzip_then_br_layers_are_undone_in_order() -> None:
    body = brotli.compress(gzip.compress(b"<p>two layers</p>"))
    assert "two layers" in decode_body(body, [("Content-Encoding", "gzip, br")]).text


@pytest.mark.parametrize("coding", ["gzip", "br"])
def test_decompression_bomb_is_refused(coding: str) -> None:
    zeros = b"\0" * (MAX_DECODED + 1024 * 1024)
    body = gzip.compress(zeros, compresslevel=1) if coding == "gzip" else brotli.compress(zeros, quality=1)
    assert len(body) < 1024 * 1024
    with pytest.raises(ExtractError, match="decompression bomb"):
        decode_body(body, [("Content-Encoding", coding)])


def test_corrupt_gzip_is_a_clear_error_but_mislabelled_html_is_read() -> None:
    with pytest.raises(ExtractError, match="gzip body is corrupt"):
        decode_body(b"\x1f\x8b\x08\x00garbage", [("Content-Encoding", "gzip")])
    assert "plain" in decode_body(b"<html><p>plain</p></html>", [("Content-Encoding", "gzip")]).text


def test_unknown_encoding_is_reported() -> None:
    with pytest.raises(ExtractError, match="unsupported Content-Encoding"):
        decode_body(b"xx", [("Content-Encoding", "zstd")])
