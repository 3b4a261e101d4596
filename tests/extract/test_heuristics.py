"""Visible-page heuristics on pages with no structured data (generic markup, unseen sites)."""

from __future__ import annotations

import pytest

from tests.extract.conftest import Extract


def _rec(extract: Extract, body: str, title: str = "", head: str = "") -> dict[str, object]:
    html = f"<html><head><title>{title}</title>{head}</head><body>{body}</body></html>"
    return extract(html.encode())


@pytest.mark.parametrize(
    ("title", "headline", "site"),
    [
        ("Dam talks collapse | Tigris Post", "Dam talks collapse", "Tigris Post"),
        ("Dam talks collapse - Tigris Post", "Dam talks collapse", "Tigris Post"),
        ("Dam talks collapse — Tigris Post", "Dam talks collapse", "Tigris Post"),
    ],
)
def test_headline_and_publisher_from_title_suffix(title: str, headline: str, site: str, extract: Extract) -> None:
    record = _rec(extract, "<p>No heading on this page at all, only text.</p>", title=title)
    assert record["headline"] == headline
    assert record["publisher"] == {"@type": "Organization", "name": site}


def test_article_h1_beats_logo_h1(extract: Extract) -> None:
    body = ('<header><h1 class="site-title"><a href="/">Tigris Post</a></h1></header>'
            "<main><h1>Dam talks collapse</h1><p>Negotiators left without agreement.</p></main>")
    assert _rec(extract, body)["headline"] == "Dam talks collapse"


@pytest.mark.parametrize(
    ("byline", "names"),
    [
        ('<a rel="author" href="/u/1">Sara Khalil</a>', ["Sara Khalil"]),
        ('<span class="byline">By Sara Khalil and Omar Said</span>', ["Sara Khalil", "Omar Said"]),
        ('<p>By Sara Khalil</p>', ["Sara Khalil"]),
        ('<div class="article__writer">Sara Khalil</div>', ["Sara Khalil"]),
        ('<div class="author">بقلم سارة خليل</div>', ["سارة خليل"]),
    ],
)
def test_byline(byline: str, names: list[str], extract: Extract) -> None:
    record = _rec(extract, f"<article><h1>Dam talks collapse</h1>{byline}<p>Negotiators left.</p></article>")
    assert [a["name"] for a in record["author"]] == names  # type: ignore[attr-defined]
    assert record["provenance"]["fields"]["author"] == "heuristic"  # type: ignore[index]


@pytest.mark.parametrize(
    ("markup", "date", "place"),
    [
        ('<div class="meta">15.03.2018 | Anbar</div>', "2018-03-15", "Anbar"),
        ('<time datetime="2019-07-01T08:00:00+03:00">1 July 2019</time>', "2019-07-01T08:00:00+03:00", None),
        ("<div>Published March 15, 2018</div>", "2018-03-15", None),
        ("<div>١٥ آذار ٢٠١٨ | الموصل</div>", "2018-03-15", "الموصل"),
    ],
)
def test_dates_and_dateline_place(markup: str, date: str, place: str | None, extract: Extract) -> None:
    record = _rec(extract, f"<article><h1>Dam talks collapse</h1>{markup}<p>Negotiators left.</p></article>")
    assert record["datePublished"] == date
    got = record.get("contentLocation")
    assert (got["name"] if got else None) == place  # type: ignore[index]


def test_standfirst_by_class_then_first_paragraph(extract: Extract) -> None:
    lead = "Negotiators from three countries walked out of the talks on water sharing late on Sunday."
    record = _rec(extract, f'<article><h1>Dam talks</h1><div class="article-dek">{lead}</div><p>Other text.</p></article>')
    assert record["description"] == lead
    para = "The talks in Baghdad ended without agreement after two days, officials on both sides said on Monday."
    record = _rec(extract, f"<article><h1>Dam talks</h1><p>Short.</p><p>{para}</p></article>")
    assert record["description"] == para


def test_meta_description_outranks_the_first_paragraph(extract: Extract) -> None:
    para = "The talks in Baghdad ended without agreement after two days, officials on both sides said on Monday."
    record = _rec(extract, f"<article><h1>Dam talks</h1><p>{para}</p></article>",
                  head='<meta name="description" content="Talks end without a deal.">')
    assert record["description"] == "Talks end without a deal."
    assert record["provenance"]["fields"]["description"] == "meta"  # type: ignore[index]


def test_word_count_ignores_navigation(extract: Extract) -> None:
    body = ("<nav><p>Home News Sport Weather Culture</p></nav>"
            "<article><h1>Dam talks</h1><p>One two three four five.</p><p>Six seven.</p></article>")
    assert _rec(extract, body)["wordCount"] == 7


def test_hreflang_editions_and_x_default_original(extract: Extract) -> None:
    head = ('<link rel="alternate" hreflang="en" href="https://n.example/en/1">'
            '<link rel="alternate" hreflang="ar" href="https://n.example/ar/1">'
            '<link rel="alternate" hreflang="x-default" href="https://n.example/en/1">')
    html = f'<html lang="ar"><head>{head}</head><body><h1>عنوان</h1></body></html>'.encode()
    record = extract(html, url="https://n.example/ar/1")
    assert record["translationOfWork"] == {"@type": "CreativeWork", "url": "https://n.example/en/1", "inLanguage": "en"}
    record = extract(html.replace(b'<html lang="ar">', b'<html lang="en">'), url="https://n.example/en/1")
    assert record["workTranslation"] == [{"@type": "CreativeWork", "url": "https://n.example/ar/1", "inLanguage": "ar"}]
