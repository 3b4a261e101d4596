"""A diff between two versions as text, JSON or one self-contained HTML page.

Each side names its bag and how to see it as archived: the ``archive replay`` command and the
pywb URL that command serves (port 8080, its default).
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from archive.versions.diff import Diff, ImageChange, Op, TextChange
from archive.versions.index import Version

# `archive replay`'s defaults (archive.replay.pywb; a test pins them equal). Not imported from
# there: that module loads surt and tldextract, a second of start-up `archive diff` need not pay.
REPLAY_PORT = 8080
HOST = "127.0.0.1"
COLLECTION = "archive"


def timestamp14(at: str) -> str:
    """An ISO time as pywb's 14-digit timestamp (it replays the capture closest to it)."""
    return re.sub(r"\D", "", at)[:14].ljust(14, "0")


def replay_of(version: Version, out: Path) -> dict[str, str | None]:
    bag = str(out / version.bag) if version.bag else None
    return {"bag": bag, "command": f"archive replay {bag}" if bag else None,
            "url": f"http://{HOST}:{REPLAY_PORT}/{COLLECTION}/{timestamp14(version.at)}/{version.url}" if bag else None}


def side(version: Version, out: Path) -> dict[str, Any]:
    return {"version": version.seq, "at": version.at, "outcome": version.outcome, "summary": version.summary,
            "record": str(out / version.record) if version.record else None, "replay": replay_of(version, out)}


def as_json(url: str, old: Version, new: Version, d: Diff, out: Path) -> str:
    doc = {"url": url, "from": side(old, out), "to": side(new, out), **d.to_json()}
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


_TEXT_MARK: dict[Op, tuple[str, str]] = {"=": ("", ""), "-": ("[-", "-]"), "+": ("{+", "+}")}


def _text_words(words: Sequence[tuple[Op, str]]) -> str:
    return " ".join(f"{_TEXT_MARK[op][0]}{text}{_TEXT_MARK[op][1]}" for op, text in words)


def _text_image(c: ImageChange) -> str:
    old = f"{c.old.url} ({c.old.digest})" if c.old else ""
    new = f"{c.new.url} ({c.new.digest})" if c.new else ""
    return f"photo {c.change}: " + (f"{old} -> {new}" if c.old and c.new else old or new)


def as_text(url: str, old: Version, new: Version, d: Diff, out: Path) -> str:
    lines = [f"{url}", f"from version {old.seq} ({old.at}) to version {new.seq} ({new.at}): {new.summary}"]
    for label, v in (("from", old), ("to", new)):
        replay = replay_of(v, out)
        if replay["command"]:
            lines.append(f"  {label}: {replay['command']}  then open {replay['url']}")
    lines.append("")
    for change in (*d.fields, *d.blocks):
        lines.append(f"{change.where} ({change.change}): {_text_words(change.words)}")
    lines += [_text_image(c) for c in d.images]
    if d.empty:
        lines.append("no editorial change")
    return "\n".join(lines) + "\n"


_CSS = """body{font:17px/1.55 Georgia,serif;max-width:46em;margin:2em auto;padding:0 1em;color:#222}
h1{font-size:1.4em}h2{font-size:1.05em;margin:1.6em 0 .3em;color:#555;font-family:sans-serif}
.sides{display:flex;gap:1em;font:14px/1.4 sans-serif}
.sides div{flex:1;background:#f5f5f5;padding:.6em;border-radius:4px}
del{background:#fdd;color:#900;text-decoration:line-through}ins{background:#dfd;color:#060;text-decoration:none}
.change{margin:.3em 0 1em}code{font-size:12px;word-break:break-all}
.imgs td{vertical-align:top;padding:.3em;font:13px sans-serif}"""


def _html_words(words: Sequence[tuple[Op, str]]) -> str:
    tags = {"=": ("", ""), "-": ("<del>", "</del>"), "+": ("<ins>", "</ins>")}
    return " ".join(f"{tags[op][0]}{html.escape(text)}{tags[op][1]}" for op, text in words)


def _html_change(c: TextChange) -> str:
    return f'<h2>{html.escape(c.where)} — {c.change}</h2><p class="change">{_html_words(c.words)}</p>'


def _html_side(label: str, v: Version, out: Path) -> str:
    replay = replay_of(v, out)
    how = (f'<br><code>{html.escape(str(replay["command"]))}</code><br><a href="{html.escape(str(replay["url"]))}">'
           "open in replay</a>") if replay["command"] else ""
    return f"<div><b>{label}: version {v.seq}</b>, {html.escape(v.at)}{how}</div>"


def _html_image(c: ImageChange) -> str:
    cells = [f"<td>{c.change}</td>"]
    for i in (c.old, c.new):
        cells.append("<td></td>" if i is None else
                     f"<td>{html.escape(i.caption)}<br><code>{html.escape(i.url)}</code><br>"
                     f"<code>{html.escape(i.digest or 'not archived')}</code></td>")
    return "<tr>" + "".join(cells) + "</tr>"


def as_html(url: str, old: Version, new: Version, d: Diff, out: Path) -> str:
    parts = [f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>What changed: "
             f"{html.escape(url)}</title><style>{_CSS}</style></head><body>",
             f"<h1>What changed in <a href=\"{html.escape(url)}\">{html.escape(url)}</a></h1>",
             f"<p>{html.escape(new.summary)}</p>",
             f'<div class="sides">{_html_side("Before", old, out)}{_html_side("After", new, out)}</div>']
    parts += [_html_change(c) for c in (*d.fields, *d.blocks)]
    if d.images:
        parts.append('<h2>photos</h2><table class="imgs"><tr><th></th><th>before</th><th>after</th></tr>'
                     + "".join(_html_image(c) for c in d.images) + "</table>")
    if d.empty:
        parts.append("<p>No editorial change.</p>")
    parts.append("</body></html>\n")
    return "\n".join(parts)


RENDERERS = {"text": as_text, "json": as_json, "html": as_html}
