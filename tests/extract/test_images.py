"""Article images: lazy-load URLs, captions and credits, and site chrome kept out."""

from __future__ import annotations

import pytest

from archive.extract.images import split_credit
from tests.extract.conftest import Extract

URL = "https://news.example/world/story.html"


def _page(body: str) -> bytes:
    return f"<html><head><title>T</title></head><body>{body}</body></html>".encode()


def _images(extract: Extract, body: str) -> list[dict[str, str]]:
    return extract(_page(body), url=URL).get("image", [])


@pytest.mark.parametrize(
    "img",
    [
        '<img src="/img/placeholder.gif" data-src="/photos/real.jpg">',
        '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" data-lazy-src="/photos/real.jpg">',
        '<img class="lazy" src="/static/blank.gif" data-original="/photos/real.jpg">',
        '<img src="/lazyload-placeholder.png" srcset="/photos/small.jpg 320w, /photos/real.jpg 1280w">',
        '<img src="data:image/svg+xml,%3Csvg%3E" data-srcset="/photos/small.jpg 1x, /photos/real.jpg 2x">',
        '<noscript><img src="/photos/real.jpg"></noscript>',
        '<picture><source srcset="/photos/real.jpg 1200w"><img src="data:,"></picture>',
    ],
)
def test_real_url_behind_lazy_loading(img: str, extract: Extract) -> None:
    body = f"<article><h1>Headline here</h1><figure>{img}<figcaption>A caption</figcaption></figure><p>Text.</p></article>"
    images = _images(extract, body)
    assert [i["url"] for i in images] == ["https://news.example/photos/real.jpg"]
    assert images[0]["caption"] == "A caption"


@pytest.mark.parametrize(
    "chrome",
    [
        '<header><a href="/"><img src="/brand/masthead.png"></a></header>',
        '<nav><img src="/img/home.png"></nav>',
        '<img src="/static/site-logo.svg">',
        '<img src="/i/facebook-icon.png">',
        '<img src="https://px.example/t.gif?u=1" width="1" height="1">',
        '<img src="/avatars/jane.jpg" class="author-avatar">',
        '<footer><img src="/img/partner.png"></footer>',
        '<aside class="sidebar"><img src="/img/other-story.jpg"></aside>',
        '<img src="data:image/png;base64,iVBORw0KGgo=">',
    ],
)
def test_site_chrome_is_not_an_article_image(chrome: str, extract: Extract) -> None:
    body = f'{chrome}<article><h1>Headline here</h1><img src="/photos/story.jpg"><p>Text.</p></article>'
    if not chrome.startswith(("<header", "<nav", "<footer", "<aside")):
        body = f'<article><h1>Headline here</h1>{chrome}<img src="/photos/story.jpg"><p>Text.</p></article>'
    assert [i["url"] for i in _images(extract, body)] == ["https://news.example/photos/story.jpg"]


@pytest.mark.parametrize(
    ("raw", "caption", "credit"),
    [
        ("On trial? Police officers in Anbar. (photo: Anbar police)", "On trial? Police officers in Anbar.", "Anbar police"),
        ("Protesters in Basra. Photo: Haidar Mohammed", "Protesters in Basra.", "Haidar Mohammed"),
        ("The old bridge © Jane Doe/Agency", "The old bridge", "Jane Doe/Agency"),
        ("Flooded streets. Credit: City of Mosul", "Flooded streets.", "City of Mosul"),
        ("Volunteers clear debris. Photo by Sam Lee", "Volunteers clear debris.", "Sam Lee"),
        ("محاكمة؟ عناصر من الشرطة. (صورة: شرطة الأنبار)", "محاكمة؟ عناصر من الشرطة.", "شرطة الأنبار"),
        ("A caption without any credit", "A caption without any credit", None),
    ],
)
def test_credit_is_split_from_caption(raw: str, caption: str, credit: str | None) -> None:
    assert split_credit(raw) == (caption, credit)


def test_caption_from_a_caption_like_sibling(extract: Extract) -> None:
    body = ('<div class="story"><h1>Headline here</h1><div class="photo"><img src="/p.jpg">'
            '<p class="photo-caption">Market day in Erbil. (photo: K. Aziz)</p></div><p>Body text of the story.</p></div>')
    (image,) = _images(extract, body)
    assert (image["caption"], image["creditText"]) == ("Market day in Erbil.", "K. Aziz")
