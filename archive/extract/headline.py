"""Which headline a record shows when the page's ``<h1>`` and its structured data disagree.

The displayed ``<h1>`` wins (what a reader and a citation see), with two exceptions learnt from
real pages, both decided by the two sources agreeing rather than by any site's markup:

- a kicker printed in the same ``<h1>`` (``Tunesien Große Aufgaben für die neue Regierung``,
  ``Headline: Energiewende``): the structured headline is the ``<h1>``'s ending, so the words
  before it are a topic label, not part of the headline;
- an ``<h1>`` that is site furniture (a donation box, a search prompt, the section name): it
  shares no word with the ``<title>`` while the structured headline is in the ``<title>``.
"""

from __future__ import annotations

import re

_WORD = re.compile(r"\w+")
_LEADING = re.compile(r"^[\W_]+")
_MAX_KICKER_WORDS = 8


def _words(text: str) -> list[str]:
    return [w.casefold() for w in _WORD.findall(text)]


def kicker_free(displayed: str, structured: str) -> str | None:
    """The ``<h1>`` text without a leading kicker, when the structured headline (or its own
    kicker-free part) is the ``<h1>``'s ending; else None."""
    shown, other = _words(displayed), _words(structured)
    common = 0
    while common < min(len(shown), len(other)) and shown[-1 - common] == other[-1 - common]:
        common += 1
    extra = len(shown) - common
    if common < 3 or not 0 < extra <= _MAX_KICKER_WORDS:
        return None
    # The structured headline is the ending, or carries the same kicker ("Kicker - Headline").
    if common < len(other) and other[:len(other) - common] != shown[:extra]:
        return None
    # Cut the displayed text after its ``extra``-th word, keeping its own spelling of the rest.
    cut = list(_WORD.finditer(displayed))[extra].start()
    rest = _LEADING.sub("", displayed[cut:]).strip()
    if not rest or any(rest.count(a) < rest.count(b) for a, b in _PAIRS):
        return None  # the cut fell inside brackets: what came before belongs to the headline
    return rest


_PAIRS = (("(", ")"), ("[", "]"), ("„", "“"), ("«", "»"))


def is_furniture_heading(displayed: str, structured: str, title: str) -> bool:
    """True when the ``<h1>`` has nothing in common with the ``<title>`` and the structured
    headline is (mostly) in it: the ``<h1>`` is a box on the page, not the article's headline."""
    in_title = set(_words(title))
    shown, other = _words(displayed), _words(structured)
    if not in_title or not shown or len(other) < 3:
        return False
    if any(w in in_title for w in shown if len(w) > 2):
        return False
    return sum(w in in_title for w in other) * 4 >= len(other) * 3
