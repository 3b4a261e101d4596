"""The demo's changing pages (article versions): edited between captures, noisy on every load,
vanishing on demand; served by the real demo server on 127.0.0.1."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest

from archive_app.demo.changing import EDITED, NOISY, VANISHING
from archive_app.demo.jspages import WithJsPages
from archive_app.demo.server import DemoServer


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read()


def test_changing_pages() -> None:
    with DemoServer() as server:
        assert isinstance(server.site, WithJsPages)  # the bundled site
        pages = server.site.changing
        first, again = fetch(server.url(NOISY)), fetch(server.url(NOISY))
        assert first != again, "the noisy page's bytes differ on every load"
        assert first.split(b"<nav>")[1] == again.split(b"<nav>")[1], "while the visible article does not"
        before = fetch(server.url(EDITED))
        assert fetch(server.url(EDITED)) == before
        pages.revision = 2
        after = fetch(server.url(EDITED))
        assert b"Correction:" in after and b"senior-officers.jpg" in after and b"Correction:" not in before
        assert fetch(server.url(VANISHING))
        pages.vanished = True
        with pytest.raises(urllib.error.HTTPError) as caught:
            fetch(server.url(VANISHING))
        assert caught.value.code == 404
        with pytest.raises(urllib.error.HTTPError):
            fetch(server.url("/changing/other.html"))
