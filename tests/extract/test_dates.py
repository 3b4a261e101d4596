"""Printed and machine dates as news sites write them."""

from __future__ import annotations

import pytest

from archive.extract.dates import find_date, normalize_date


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("15.03.2018  |  Anbar", "2018-03-15"),
        ("Published March 15, 2018", "2018-03-15"),
        ("Mar. 5, 2018 at 3:05 pm", "2018-03-05T15:05:00"),
        ("15 March 2018", "2018-03-15"),
        ("2018-03-15T10:00:00+03:00", "2018-03-15T10:00:00+03:00"),
        ("١٥ آذار ٢٠١٨", "2018-03-15"),
        ("15 مارس 2018", "2018-03-15"),
        ("٣ تشرين الثاني ٢٠٢٠", "2020-11-03"),
        ("١٥.٠٣.٢٠١٨", "2018-03-15"),
        ("13/04/2018", "2018-04-13"),
        ("1. September 2022", "2022-09-01"),
    ],
)
def test_printed_dates(text: str, iso: str) -> None:
    found = find_date(text)
    assert found is not None and found[0] == iso


@pytest.mark.parametrize("text", ["03/04/2018", "31.02.2018", "no date here", "2018", "99.99.9999"])
def test_ambiguous_or_impossible_dates_are_not_invented(text: str) -> None:
    assert find_date(text) is None


@pytest.mark.parametrize(
    ("value", "iso"),
    [
        ("2024-06-03T14:05:00.000Z", "2024-06-03T14:05:00+00:00"),
        ("2024-06-03T18:40:12-04:00", "2024-06-03T18:40:12-04:00"),
        ("2024-06-03", "2024-06-03"),
        ("Thu, 15 Mar 2018 10:00:00 GMT", "2018-03-15T10:00:00+00:00"),
        ("", None),
        (None, None),
    ],
)
def test_machine_dates_keep_the_time_zone(value: str | None, iso: str | None) -> None:
    assert normalize_date(value) == iso
