"""Dates as news sites print them -> ISO 8601 strings (time zone kept when the page gives one).

Nothing is guessed: an ambiguous ``03/04/2018`` is not a date here, while a dotted ``15.03.2018``
is read day-first, which is how every site that prints dots means it.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

# Arabic-Indic (U+0660) and Extended Arabic-Indic (U+06F0, Persian/Kurdish) digits.
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")

_MONTHS: dict[str, int] = {}
for _i, _names in enumerate(
    [
        # English, French, German (with Austrian forms), Spanish, Italian, Portuguese, Dutch,
        # Scandinavian, Polish and Russian (genitive, as dates print them), Turkish.
        "january jan janvier januar jänner jän enero gennaio gen janeiro januari stycznia января янв ocak",
        "february feb febr fevrier février februar feber febrero febbraio fevereiro fev fév februari lutego "
        "февраля фев şubat",
        "march mar mars märz marz mrz marzo março maart marts marca марта мар mart",
        "april apr avril abril aprile kwietnia апреля апр nisan", "may mai mayo maggio maio mei maj maja мая mayıs",
        "june jun juin juni junio giugno junho czerwca июня haziran",
        "july jul juillet juli julio luglio julho lipca июля temmuz",
        "august aug aout août agosto augustus sierpnia августа авг ağustos",
        "september sep sept septembre septiembre settembre setembro setiembre września сентября сен eylül",
        "october oct okt octobre oktober octubre ottobre outubro października октября окт ekim",
        "november nov novembre noviembre novembro listopada ноября ноя kasım",
        "december dec dez décembre decembre dezember diciembre dicembre dezembro grudnia декабря дек aralık",
    ],
    start=1,
):
    for _n in _names.split():
        _MONTHS[_n] = _i
# Arabic month names: Levantine/Iraqi (Syriac-derived) and Egyptian/Maghrebi (Latin-derived),
# plus the Kurdish Sorani spellings news sites in Iraq use.
_ARABIC_MONTHS: dict[str, int] = {
    "كانون الثاني": 1, "شباط": 2, "آذار": 3, "اذار": 3, "نيسان": 4, "أيار": 5, "ايار": 5,
    "حزيران": 6, "تموز": 7, "آب": 8, "اب": 8, "أيلول": 9, "ايلول": 9, "تشرين الأول": 10,
    "تشرين الاول": 10, "تشرين الثاني": 11, "كانون الأول": 12, "كانون الاول": 12,
    "يناير": 1, "فبراير": 2, "مارس": 3, "أبريل": 4, "ابريل": 4, "إبريل": 4, "مايو": 5,
    "يونيو": 6, "يونيه": 6, "يوليو": 7, "يوليه": 7, "أغسطس": 8, "اغسطس": 8, "سبتمبر": 9,
    "أكتوبر": 10, "اكتوبر": 10, "نوفمبر": 11, "ديسمبر": 12,
    "کانوونی دووەم": 1, "شوبات": 2, "ئازار": 3, "نیسان": 4, "ئایار": 5, "حوزەیران": 6,
    "تەمموز": 7, "ئاب": 8, "ئەیلوول": 9, "تشرینی یەکەم": 10, "تشرینی دووەم": 11, "کانوونی یەکەم": 12,
}
_AR_ALT = "|".join(sorted((re.escape(k) for k in _ARABIC_MONTHS), key=len, reverse=True))
_EN_ALT = "|".join(sorted(_MONTHS, key=len, reverse=True))

_ISO = re.compile(
    r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})"
    r"(?:[T ](?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,]\d+)?)?\s*(?P<tz>Z|[+-]\d{2}:?\d{2})?)?"
)
_DOTTED = re.compile(r"(?<![\d.])(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{4})(?![\d.])")
# ``25.04.24``: only where the element says it holds a date (a version number looks the same).
_DOTTED_SHORT = re.compile(r"(?<![\d.])(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{2})(?![\d.])")
_SLASHED = re.compile(r"(?<![\d/])(?P<a>\d{1,2})/(?P<b>\d{1,2})/(?P<y>\d{4})(?![\d/])")
_TIME = r"(?:,?\s*(?:at\s+)?(?P<H>\d{1,2}):(?P<M>\d{2})\s*(?P<ampm>[ap]\.?m\.?)?)?"
_MDY = re.compile(rf"\b(?P<mon>{_EN_ALT})\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>\d{{4}}){_TIME}", re.I)
_DMY = re.compile(rf"\b(?P<d>\d{{1,2}})(?:st|nd|rd|th|er|º)?\.?\s+(?:(?:of|de|del)\s+)?(?P<mon>{_EN_ALT})\.?,?\s+(?:(?:de|del)\s+)?(?P<y>\d{{4}}){_TIME}", re.I)
_AR = re.compile(rf"(?P<d>\d{{1,2}})\s+(?:{_AR_ALT})\s*[/\\-]?\s*(?:(?:{_AR_ALT})\s+)?(?P<y>\d{{4}})")
_AR_MON = re.compile(_AR_ALT)
# _MDY/_DMY without re.I, for ASCII text matched lower-cased (same positions and groups; an
# IGNORECASE alternation of month names is several times slower to scan).
_CASELESS = {_MDY: re.compile(_MDY.pattern), _DMY: re.compile(_DMY.pattern)}
# Every pattern above needs a digit (\d: any Unicode decimal digit, as in the patterns).
_ANY_DIGIT = re.compile(r"\d")


def _tz(text: str | None) -> timezone | None:
    if not text:
        return None
    if text == "Z":
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:4])))


def _iso(y: int, m: int, d: int, hh: int | None = None, mm: int | None = None, ss: int = 0, tz: timezone | None = None) -> str | None:
    try:
        if hh is None or mm is None:
            return date(y, m, d).isoformat()
        return datetime(y, m, d, hh, mm, ss, tzinfo=tz).isoformat()
    except ValueError:
        return None


def _hour(h: str | None, ampm: str | None) -> int | None:
    if h is None:
        return None
    hour = int(h)
    if ampm:
        pm = ampm.lower().startswith("p")
        hour = hour % 12 + (12 if pm else 0)
    return hour


def day_first_in(lang: str | None) -> bool | None:
    """How a page in ``lang`` writes 02/10/2020: day first (most of the world, en-GB), month
    first (en-US), or unknown (no language, or a bare ``en``)."""
    low = (lang or "").strip().lower().replace("_", "-")
    if not low:
        return None
    if low.startswith("en"):
        return None if low == "en" else low not in ("en-us", "en-ph")
    return True


def normalize_date(value: object) -> str | None:
    """A machine-readable date (ISO 8601, RFC 2822, epoch-free) -> ISO string, or None."""
    if not isinstance(value, str):
        return None
    text = value.strip().translate(_DIGITS)
    if not text:
        return None
    m = _ISO.match(text)
    if m:
        return _from_iso(m)
    try:
        return parsedate_to_datetime(text).isoformat()
    except (TypeError, ValueError, IndexError):
        pass
    found = find_date(text)
    return found[0] if found else None


def _from_iso(m: re.Match[str]) -> str | None:
    y, mo, d = int(m["y"]), int(m["m"]), int(m["d"])
    if m["H"] is None:
        return _iso(y, mo, d)
    return _iso(y, mo, d, int(m["H"]), int(m["M"]), int(m["S"] or 0), _tz(m["tz"]))


def find_date(text: str, *, short_years: bool = False, day_first: bool | None = None) -> tuple[str, int, int] | None:
    """First printed date in ``text``: (ISO string, start, end) in the original string, or None.

    ``short_years`` also reads ``25.04.24`` (day, month, two-digit year): only for text that is
    known to be a date (a ``date`` element), since version and section numbers look the same.
    ``day_first`` settles ``02/10/2020`` where the page's language says how it writes dates
    (None: such a date is not read).
    """
    if not _ANY_DIGIT.search(text):
        return None  # most texts checked are names and sentences: skip the six date patterns
    text = text.translate(_DIGITS)  # same length, so positions still match the original
    ascii_text = text.isascii()
    lower = text.lower() if ascii_text else text
    found: list[tuple[int, int, str]] = []
    for rx in (_ISO, _DOTTED, _MDY, _DMY, _AR, _SLASHED, *((_DOTTED_SHORT,) if short_years else ())):
        caseless = _CASELESS.get(rx) if ascii_text else None
        for m in caseless.finditer(lower) if caseless is not None else rx.finditer(text):
            iso = _match_to_iso(rx, m, day_first)
            if iso:
                found.append((m.start(), m.end(), iso))
                break
    if not found:
        return None
    start, end, iso = min(found)
    return iso, start, end


def _match_to_iso(rx: re.Pattern[str], m: re.Match[str], day_first: bool | None = None) -> str | None:
    if rx is _ISO:
        return _from_iso(m)
    if rx is _DOTTED:
        return _iso(int(m["y"]), int(m["m"]), int(m["d"]))
    if rx is _DOTTED_SHORT:
        return _iso(2000 + int(m["y"]), int(m["m"]), int(m["d"]))  # news pages with such dates are this century
    if rx is _SLASHED:
        a, b = int(m["a"]), int(m["b"])
        if a > 12 >= b:
            return _iso(int(m["y"]), b, a)
        if b > 12 >= a:
            return _iso(int(m["y"]), a, b)
        if day_first is None:
            return None  # 03/04/2018: day-first or month-first is unknowable without the language
        return _iso(int(m["y"]), b, a) if day_first else _iso(int(m["y"]), a, b)
    if rx is _AR:
        mon = _AR_MON.search(m.group(0))
        return _iso(int(m["y"]), _ARABIC_MONTHS[mon.group(0)], int(m["d"])) if mon else None
    month = _MONTHS.get(m["mon"].lower())
    if month is None:
        return None
    return _iso(int(m["y"]), month, int(m["d"]), _hour(m["H"], m["ampm"]), int(m["M"]) if m["M"] else None)
