"""Hostile pages for browser capture, written into a folder the demo server serves."""

from __future__ import annotations

from pathlib import Path

PAGES = {
    "loop.html": "<!DOCTYPE html><title>loop</title><p>An endless script.</p><script>while (true) {}</script>",
    "dialogs.html": ("<!DOCTYPE html><title>dialogs</title><p>Storms.</p><script>"
                     "for (let i = 0; i < 500; i++) { alert(i); confirm(i); window.open('/win' + i + '.html'); }"
                     "</script>"),
    "iframes.html": "<!DOCTYPE html><title>iframes</title>" + "".join(
        f'<iframe src="/frame.html?n={i}" width="10" height="10"></iframe>' for i in range(1000)),
    "frame.html": "<!DOCTYPE html><title>frame</title><p>a frame</p>",
    "busy.html": ("<!DOCTYPE html><title>busy</title><p>Never idle.</p><script>"
                  "let n = 0; setInterval(() => fetch('/poll.txt?' + (n++)), 30);</script>"),
    "poll.txt": "tick",
    "bigdom.html": ("<!DOCTYPE html><title>big</title><div id=x></div><script>"
                    "document.getElementById('x').textContent = 'word '.repeat(10 * 1024 * 1024);"
                    "</script>"),
}


def write(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for name, text in PAGES.items():
        (root / name).write_text(text)
    return root
