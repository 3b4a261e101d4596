"""Editorial fingerprints, decisions, diffs, the version index, version selection and the
feed, on snapshots and real SQLite files (the flow is tested in tests/flows/test_versions_flow.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from lxml import etree

from archive.errors import ArchiveError, ConfigError, UsageError
from archive.extract.parse import parse_html
from archive.versions import (
    Check,
    Image,
    Snapshot,
    Version,
    VersionIndex,
    VersionPolicy,
    decide,
    diff,
)
from archive.versions.body import article_blocks
from archive.versions.feed import ATOM, write_feed
from archive.versions.run import due
from archive.versions.select import pair, pick
from archive.versions.snapshot import norm, snapshot_of
from archive.versions.summary import summarise
from archive_app.cli import main

BODY = tuple(("paragraph", f"Paragraph {n} says something about the council and its budget.") for n in range(1, 9))
PHOTO = Image("http://127.0.0.1/a.jpg", "sha256:AAA", "The council building.")


def snap(headline: str = "Council debates budget", blocks: tuple[tuple[str, str], ...] = BODY,
         images: tuple[Image, ...] = (PHOTO,), byline: str = "dana example") -> Snapshot:
    return Snapshot(headline, "Standfirst.", byline, "2026-03-02T09:00:00Z", "", blocks, images)


def outcome(old: Snapshot | None, new: Snapshot, policy: VersionPolicy | None = None) -> str:
    policy = policy or VersionPolicy()
    fp = old.fingerprint(headline_only=policy.headline_only) if old else None
    return decide("http://127.0.0.1/a", new, fp, lambda: old, policy).outcome


def test_normalisation_ignores_whitespace_unicode_form_and_typographic_quotes() -> None:
    assert norm("  Caf\u0065\u0301  \u201cquoted\u201d\u00a0text\n") == "Caf\u00e9 \"quoted\" text"
    a = snapshot_of({"headline": "A  headline", "author": [{"name": "JANE DOE"}]}, (), {})
    b = snapshot_of({"headline": "A headline", "author": [{"name": "Jane Doe"}]}, (), {})
    assert a.fingerprint() == b.fingerprint()


def test_decisions_new_unchanged_changed_and_noise() -> None:
    base = snap()
    assert outcome(None, base) == "new"
    assert outcome(base, snap()) == "unchanged"
    typo = snap(blocks=(*BODY[:-1], ("paragraph", BODY[-1][1].replace("budget", "budgets"))))
    assert outcome(base, typo) == "changed", "by default every word counts"
    assert outcome(base, typo, VersionPolicy(noise_threshold=0.05)) == "noise"
    rewritten = snap(blocks=(*BODY[:-1], ("paragraph", "An entirely different closing paragraph was written.")))
    assert outcome(base, rewritten, VersionPolicy(noise_threshold=0.05)) == "changed"


def test_headline_byline_and_photos_are_never_noise() -> None:
    policy = VersionPolicy(noise_threshold=0.5)
    base = snap()
    assert outcome(base, snap(headline="Council approves budget"), policy) == "changed"
    assert outcome(base, snap(byline="someone else"), policy) == "changed"
    swapped = Image(PHOTO.url, "sha256:BBB", PHOTO.caption)  # same URL, other bytes
    assert outcome(base, snap(images=(swapped,)), policy) == "changed"


def test_headline_only_mode_ignores_body_edits() -> None:
    policy = VersionPolicy(headline_only=True)
    base = snap()
    assert outcome(base, snap(blocks=BODY[:3]), policy) == "unchanged"
    assert outcome(base, snap(headline="New headline"), policy) == "changed"


def test_policy_from_mapping_rejects_unknown_and_out_of_range() -> None:
    assert VersionPolicy.from_mapping({"noise_threshold": 0.02}).noise_threshold == 0.02
    with pytest.raises(ConfigError):
        VersionPolicy.from_mapping({"noise": 1})
    with pytest.raises(ConfigError):
        VersionPolicy.from_mapping({"noise_threshold": 1.5})


def test_diff_reports_only_the_edits() -> None:
    added = ("paragraph", "A new paragraph inserted in the middle.")
    edited = ("paragraph", BODY[5][1].replace("budget", "reconstruction budget"))
    new_blocks = (*BODY[:3], added, *BODY[3:5], edited, *BODY[6:])
    new_photo = Image("http://127.0.0.1/b.jpg", "sha256:CCC", "Another photo.")
    d = diff(snap(), snap(headline="Council splits over budget", blocks=new_blocks, images=(new_photo,)))
    assert [(c.where, c.change) for c in d.fields] == [("headline", "changed")]
    assert sorted((c.where, c.change) for c in d.blocks) == [("paragraph 4", "added"), ("paragraph 7", "changed")]
    [change] = [c for c in d.blocks if c.change == "changed"]
    assert ("+", "reconstruction") in change.words and not any(op == "-" for op, _ in change.words)
    assert [(i.change, i.old, i.new) for i in d.images] == [("replaced", PHOTO, new_photo)]
    assert summarise(snap(), snap()) == "no editorial change" and diff(snap(), snap()).empty


def test_diff_of_removed_block_and_caption_edit() -> None:
    recaptioned = Image(PHOTO.url, PHOTO.digest, "The council building in March.")
    d = diff(snap(), snap(blocks=BODY[1:], images=(recaptioned,)))
    assert [(c.where, c.change) for c in d.blocks] == [("paragraph 1 (old)", "removed"), ("caption 1", "changed")]
    assert d.images == ()


def test_body_blocks_prefer_article_body_then_the_article_element() -> None:
    one = "The council met on Tuesday and argued for hours about the budget for the coming year. " * 3
    two = "Residents of the southern districts asked again when the damaged bridges would be rebuilt. " * 3
    doc = parse_html(f"<html><body><p>Menu text</p><article><h2>Sub</h2><p>{one}</p><figure><figcaption>Cap"
                     f"</figcaption></figure><p>{two}</p></article><p>Footer</p></body></html>")
    # A record made before articleBody existed: the main-text extractor reads the archived page.
    assert [(b.kind, b.text) for b in article_blocks({}, doc)] == [("heading", "Sub"), ("paragraph", one.strip()),
                                                                  ("caption", "Cap"), ("paragraph", two.strip())]
    assert [b.text for b in article_blocks({"articleBody": "First.\n\nSecond."}, doc)] == ["First.", "Second."]
    marked = {"articleBody": "Sub\n\nFirst.\n\nCap", "hasPart": [
        {"@type": "WebPageElement", "additionalType": "heading", "position": 1, "text": "Sub"},
        {"@type": "WebPageElement", "additionalType": "caption", "position": 3, "text": "Cap"}]}
    assert [(b.kind, b.text) for b in article_blocks(marked, None)] == [("heading", "Sub"), ("paragraph", "First."),
                                                                       ("caption", "Cap")]


def version(url: str, at: str, s: Snapshot | None, outcome: str = "changed", source: str = "src") -> Version:
    return Version(url, 0, at, outcome, s.fingerprint() if s else "", s, "bag-" + at[:10], "bag/data/metadata/r.json",
                   "c", url, "summary", source)


def test_index_numbers_versions_and_reads_them_back(tmp_path: Path) -> None:
    index = VersionIndex(tmp_path / "h.sqlite")
    url = "http://127.0.0.1/a"
    added = index.add([version(url, "2026-03-01T10:00:00+00:00", snap(), "new")], [])
    added += index.add([version(url, "2026-03-02T10:00:00+00:00", snap("Second"))],
                       [Check("http://127.0.0.1/b", "2026-03-02T10:00:00+00:00", "unchanged")])
    assert [v.seq for v in added] == [1, 2]
    assert index.latest([url, "http://127.0.0.1/none"])[url].seq == 2
    assert index.latest([url])[url].snapshot is None, "the latest lookup does not decompress content"
    assert index.one(url, 1).snapshot == snap()
    assert [v.snapshot for v in index.versions(url, content=False)] == [None, None]
    assert index.last_checked(["http://127.0.0.1/b"]) == {"http://127.0.0.1/b": "2026-03-02T10:00:00+00:00"}


def test_pick_by_number_or_time_and_pair_defaults(tmp_path: Path) -> None:
    index = VersionIndex(tmp_path / "h.sqlite")
    url = "http://127.0.0.1/a"
    index.add([version(url, f"2026-03-0{d}T10:00:00+00:00", snap(f"H{d}")) for d in (1, 2, 3)]
              + [version(url, "2026-03-04T10:00:00+00:00", None, "gone")], [])
    found = index.versions(url)
    assert pick(found, "v2").seq == 2 and pick(found, "2026-03-02").seq == 2
    assert pick(found, "2026-03-09").seq == 3, "gone versions have no content to compare"
    assert [v.seq for v in pair(found, None, None)] == [2, 3]
    assert [v.seq for v in pair(found, "1", None)] == [1, 3]
    with pytest.raises(UsageError):
        pick(found, "2025-01-01")
    with pytest.raises(UsageError):
        pick(found, "9")


def test_commands_without_history_or_versions_fail_clearly(tmp_path: Path, capsys) -> None:
    assert main(["versions", "http://127.0.0.1/a", "--out", str(tmp_path)]) == 1
    assert "no capture history" in capsys.readouterr().err
    assert not (tmp_path / "capture-history.sqlite").exists(), "a lookup creates no history"
    VersionIndex.in_folder(tmp_path)
    assert main(["diff", "http://127.0.0.1/a", "--out", str(tmp_path)]) == 1
    assert "no versions of http://127.0.0.1/a" in capsys.readouterr().err


def test_diff_command_formats(tmp_path: Path, capsys) -> None:
    index = VersionIndex.in_folder(tmp_path)
    url = "http://127.0.0.1/a"
    index.add([version(url, "2026-03-01T10:00:00+00:00", snap(), "new"),
               version(url, "2026-03-02T10:00:00+00:00", snap("Council approves <b>budget</b>"))], [])
    assert main(["diff", url, "--out", str(tmp_path), "--format", "html"]) == 0
    page = capsys.readouterr().out
    assert "<del>debates budget</del>" in page and "&lt;b&gt;budget&lt;/b&gt;</ins>" in page and "<b>budget" not in page
    assert "<script" not in page and "http://127.0.0.1:8080/archive/20260302100000/" in page
    assert main(["diff", url, "--out", str(tmp_path)]) == 0
    assert "headline (changed): Council [-debates budget-] {+approves <b>budget</b>+}" in capsys.readouterr().out


def test_feed_is_valid_atom_newest_first(tmp_path: Path) -> None:
    index = VersionIndex.in_folder(tmp_path)
    index.add([version("http://127.0.0.1/a", "2026-03-01T10:00:00+00:00", snap(), "new"),
               version("http://127.0.0.1/a", "2026-03-02T10:00:00+00:00", snap("Edited")),
               version("http://127.0.0.1/b", "2026-03-03T10:00:00+00:00", None, "gone"),
               version("http://127.0.0.1/c", "2026-03-03T10:00:00+00:00", snap("Other source"), source="other")], [])
    feed = etree.parse(str(write_feed(tmp_path, "src", index))).getroot()
    assert feed.tag == f"{{{ATOM}}}feed"
    titles = [e.findtext(f"{{{ATOM}}}title") for e in feed.iterfind(f"{{{ATOM}}}entry")]
    assert titles == ["Gone: http://127.0.0.1/b", "Edited: Edited"]


def test_due_honours_recheck_interval_and_age(tmp_path: Path) -> None:
    index = VersionIndex.in_folder(tmp_path)
    now = datetime(2026, 3, 10, tzinfo=UTC)
    recent, old = "http://127.0.0.1/recent", "http://127.0.0.1/old"
    index.add([version(recent, (now - timedelta(minutes=10)).isoformat(), snap(), "new"),
               version(old, (now - timedelta(days=3)).isoformat(), snap(), "new")], [])
    urls = [recent, old, "http://127.0.0.1/new"]
    assert due(urls, index, VersionPolicy(recheck_every=3600), now) == [old, urls[2]]
    published_long_ago = VersionPolicy(recheck_for_days=2)  # snap() was published 2026-03-02
    assert due(urls, index, published_long_ago, now) == [urls[2]]
    assert json.dumps(VersionPolicy().to_json())
    with pytest.raises(ArchiveError):
        index.one(recent, 7)


def test_gone_means_404_410_or_redirected_away_not_a_moved_slug() -> None:
    from archive.versions.decide import is_gone

    url = "http://127.0.0.1/news/2026/03/council-debates"
    assert is_gone(url, 404, url, None) == "HTTP 404" and is_gone(url, 410, None, None) == "HTTP 410"
    assert is_gone(url, 200, "http://127.0.0.1/", url) == "redirected to http://127.0.0.1/"
    assert is_gone(url, 200, "http://127.0.0.1/news", url) == "redirected to http://127.0.0.1/news"
    assert is_gone(url, 200, "http://127.0.0.2/x", url) is not None
    assert is_gone(url, 200, "http://127.0.0.1/news/2026/03/council-splits", url) is None, "a slug rewritten"
    assert is_gone(url, 200, url + "/", url) is None


def test_replay_links_use_archive_replays_defaults() -> None:
    import argparse

    from archive.replay import pywb
    from archive.versions import render
    from archive_app.commands.replay import add_arguments
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    assert (render.HOST, render.COLLECTION) == (pywb.HOST, pywb.COLLECTION)
    assert parser.parse_args(["x"]).port == render.REPLAY_PORT


def test_scheduled_sources_fetch_only_due_articles(tmp_path: Path) -> None:
    from archive.config import Source
    from flows.schedule import due_urls

    index = VersionIndex.in_folder(tmp_path)
    just_checked, fresh = "http://127.0.0.1/checked", "http://127.0.0.1/fresh"
    index.add([version(just_checked, datetime.now(UTC).isoformat(timespec="seconds"), snap(), "new")], [])
    every_hour = Source("s", urls=(just_checked, fresh), versions={"recheck_every": 3600})
    assert due_urls([just_checked, fresh], tmp_path, every_hour) == [fresh]
    assert due_urls([just_checked, fresh], tmp_path, Source("s", urls=(just_checked,))) == [just_checked, fresh]


def test_config_versions_section_is_checked(tmp_path: Path) -> None:
    from archive.config import load_config

    good = tmp_path / "good.yaml"
    good.write_text("sources:\n  - name: s\n    urls: [http://127.0.0.1/a]\n"
                    "    versions: {recheck_every: 600, noise_threshold: 0.02, headline_only: true}\n")
    [source] = load_config(good, env={}).sources
    assert VersionPolicy.from_mapping(source.versions) == VersionPolicy(600.0, None, 0.02, True)
    bad = tmp_path / "bad.yaml"
    bad.write_text("sources:\n  - name: s\n    urls: [http://127.0.0.1/a]\n    versions:\n      noise: 0.5\n"
                   "      noise_threshold: 2\n")
    with pytest.raises(ConfigError) as caught:
        load_config(bad, env={})
    details = "\n".join(caught.value.details)
    assert "bad.yaml:5: sources[0].versions.noise: unknown key" in details
    assert "bad.yaml:6: sources[0].versions.noise_threshold" in details
