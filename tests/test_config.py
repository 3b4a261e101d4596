from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archive.capture.settings import CaptureSettings
from archive.config import SCHEMA_PATH, load_config
from archive.errors import ConfigError

REPO = Path(__file__).resolve().parents[1]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "c.yaml"
    path.write_text(text)
    return path


def test_default_yaml_lists_every_setting_with_its_real_default() -> None:
    config = load_config(REPO / "config" / "default.yaml", env={})
    assert config.capture == CaptureSettings()
    import yaml

    assert set(yaml.safe_load((REPO / "config" / "default.yaml").read_text())["capture"]) == set(CaptureSettings().to_json())


def test_schema_describes_every_capture_setting() -> None:
    schema = json.loads(SCHEMA_PATH.read_text())
    assert set(schema["properties"]["capture"]["properties"]) == {f.name for f in dataclasses.fields(CaptureSettings)}


def test_example_config_is_valid_and_typed() -> None:
    config = load_config(REPO / "config" / "example.yaml", env={})
    kinds = {s.name: s.kind for s in config.sources}
    assert set(kinds.values()) == {"urls", "feed", "sitemap"}
    assert all(s.schedule is not None for s in config.sources)
    assert config.audit is not None and config.audit.schedule is not None
    runs = config.sources[0].schedule.next_runs(datetime(2026, 1, 1, tzinfo=UTC))
    assert len(runs) == 3 and runs[0] < runs[1] < runs[2]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("capture:\n  retries: three\n", [":2: capture.retries: 'three' is not of type 'integer'"]),
        ("capture:\n  respect_robots: 1\n", [":2: capture.respect_robots: 1 is not of type 'boolean'"]),
        ("captur:\n  retries: 1\n", [":1: captur: unknown key"]),
        ("sources:\n  - name: a\n    urls: [http://127.0.0.1/]\n    schedule: {cron: every day}\n",
         [":4: sources[0].schedule.cron: 'every day' is not a cron expression"]),
        ("sources:\n  - name: a\n    urls: [http://127.0.0.1/]\n    schedule:\n      cron: '0 6 * * *'\n      timezone: Mars/Olympus\n",
         [":6: sources[0].schedule.timezone: unknown time zone 'Mars/Olympus'"]),
        ("sources:\n  - name: no-urls\n", [":2: sources[0]: {'name': 'no-urls'} is not valid under any of the given schemas"]),
        ("sources:\n  - name: a\n    urls: [http://127.0.0.1/]\n    colour: blue\n",
         [":4: sources[0].colour: unknown key"]),
        ("- just\n- a list\n", ["top level must be a mapping"]),
        ("capture: [1, 2\n", [":2:"]),
    ],
)
def test_config_errors_name_file_line_and_field(tmp_path: Path, text: str, expected: list[str]) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path, env={})
    for part in expected:
        assert part in str(info.value)
    assert str(path) in str(info.value)


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    path = write(tmp_path, "capture:\n  retries: x\n  gzip_level: 99\n  bogus: 1\nbag:\n  contact_name: 5\n")
    with pytest.raises(ConfigError) as info:
        load_config(path, env={})
    text = str(info.value)
    assert "4 problem(s)" in text
    for part in (":2: capture.retries", ":3: capture.gzip_level: 99 is greater than the maximum of 9",
                 ":4: capture.bogus: unknown key", ":6: bag.contact_name"):
        assert part in text


def test_environment_overrides_file_settings(tmp_path: Path) -> None:
    path = write(tmp_path, "output: from-file\ncapture:\n  per_host_delay: 2.0\nbag:\n  source_organization: File Org\n")
    env = {"ARCHIVE_OUTPUT": str(tmp_path / "from-env"), "ARCHIVE_CAPTURE_PER_HOST_DELAY": "0.5",
           "ARCHIVE_CAPTURE_RESPECT_ROBOTS": "false", "ARCHIVE_BAG_SOURCE_ORGANIZATION": "Env Org", "HOME": "/x"}
    config = load_config(path, env=env)
    assert config.output == tmp_path / "from-env"
    assert config.capture.per_host_delay == 0.5 and config.capture.respect_robots is False
    assert config.bag["source_organization"] == "Env Org"
    with pytest.raises(ConfigError, match="environment overrides in effect: ARCHIVE_CAPTURE_RETRIES"):
        load_config(path, env={"ARCHIVE_CAPTURE_RETRIES": "many"})


def test_duplicate_source_names_and_unknown_source(tmp_path: Path) -> None:
    path = write(tmp_path, "sources:\n  - {name: a, urls: ['http://127.0.0.1/']}\n  - {name: a, feed: 'http://127.0.0.1/f'}\n")
    with pytest.raises(ConfigError, match=r":3: sources\[1\].name: 'a' is used twice"):
        load_config(path, env={})
    ok = write(tmp_path, "sources:\n  - {name: a, urls: ['http://127.0.0.1/']}\n")
    with pytest.raises(ConfigError, match="no source named 'b'"):
        load_config(ok, env={}).source("b")


def test_interval_schedules(tmp_path: Path) -> None:
    path = write(tmp_path, "sources:\n  - name: a\n    urls: [http://127.0.0.1/]\n    schedule: {interval: 30}\n")
    [source] = load_config(path, env={}).sources
    start = datetime(2026, 1, 1, tzinfo=UTC)
    assert [(r - start).total_seconds() for r in source.schedule.next_runs(start)] == [30, 60, 90]
    both = write(tmp_path, "sources:\n  - name: a\n    urls: [http://127.0.0.1/]\n    schedule: {interval: 30, cron: '* * * * *'}\n")
    with pytest.raises(ConfigError, match=":4: sources\\[0\\].schedule: .* is valid under each of"):
        load_config(both, env={})


# --- hostile configs (issue 10: items 8, 10, 12) -------------------------------------------------

BILLION_LAUGHS = """\
a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
"""


def test_alias_bomb_is_refused_quickly_in_bounded_memory(tmp_path: Path) -> None:
    """Nine lines expanding to ~430 million values. The child gets 1 GiB of address space (the
    unexpanded walk needed 3 GB) and a time limit far above the milliseconds the check takes, so
    the bound is memory, not this machine's speed."""
    import resource
    import subprocess
    import sys

    path = write(tmp_path, BILLION_LAUGHS)

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

    code = ("import sys\nfrom archive.config import load_config\nfrom archive.errors import ConfigError\n"
            "try:\n    load_config(sys.argv[1], env={})\nexcept ConfigError as exc:\n    print(exc)\n    sys.exit(3)\n")
    done = subprocess.run([sys.executable, "-c", code, str(path)], preexec_fn=limit, capture_output=True,
                          text=True, timeout=300, cwd=REPO)
    assert done.returncode == 3, done.stderr[-2000:]
    assert "alias" in done.stdout and str(path) in done.stdout


def test_recursive_alias_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="refers to itself"):
        load_config(write(tmp_path, "capture: &a\n  x: *a\n"), env={})


def test_small_aliases_still_work(tmp_path: Path) -> None:
    text = ("sources:\n  - name: a\n    urls: [http://127.0.0.1/a]\n    schedule: &daily {cron: '0 6 * * *'}\n"
            "  - name: b\n    urls: [http://127.0.0.1/b]\n    schedule: *daily\n")
    config = load_config(write(tmp_path, text), env={})
    assert config.sources[0].schedule == config.sources[1].schedule is not None


@pytest.mark.parametrize(("name", "value", "expected"), [
    ("ARCHIVE_CAPTURE_READ_TIMEOUT", "a: b: c", r"ARCHIVE_CAPTURE_READ_TIMEOUT='a: b: c': not a valid YAML value"),
    ("ARCHIVE_CAPTURE_USER_AGENT", "a: b", r"ARCHIVE_CAPTURE_USER_AGENT='a: b': must be a single value, not a mapping"),
    ("ARCHIVE_CAPTURE_RETRIES", "[1, 2]", r"ARCHIVE_CAPTURE_RETRIES='\[1, 2\]': must be a single value, not a list"),
    ("ARCHIVE_CAPTURE_RETRIES", "*x", r"ARCHIVE_CAPTURE_RETRIES='\*x': not a valid YAML value"),
    ("ARCHIVE_CAPTURE_NOPE", "a: b: c", r"environment variable ARCHIVE_CAPTURE_NOPE: unknown capture setting 'nope'"),
    ("ARCHIVE_BAG_NOPE", "x", r"environment variable ARCHIVE_BAG_NOPE: unknown bag setting 'nope'"),
    ("ARCHIVE_CAPTURE_READ_TIMEOUT", ".nan", r"read_timeout must be a number of seconds"),
])
def test_bad_environment_variables_are_named(tmp_path: Path, name: str, value: str, expected: str) -> None:
    with pytest.raises(ConfigError, match=expected):
        load_config(None, env={name: value})


def test_other_archive_variables_are_left_alone() -> None:
    """ARCHIVE_PYWB (the replay engine's environment) is not a config setting."""
    assert load_config(None, env={"ARCHIVE_PYWB": "a: b: c"}).capture == CaptureSettings()


def test_environment_override_of_a_malformed_section_is_reported_not_crashed(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"c.yaml:1: capture: 5 is not of type 'object'"):
        load_config(write(tmp_path, "capture: 5\n"), env={"ARCHIVE_CAPTURE_RETRIES": "1"})


@settings(max_examples=300, deadline=None)
@given(suffix=st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"), max_size=20),
       value=st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"), max_size=40))
def test_any_environment_value_gives_settings_or_a_config_error(suffix: str, value: str) -> None:
    for name in ("ARCHIVE_CAPTURE_" + suffix.upper(), "ARCHIVE_CAPTURE_READ_TIMEOUT", "ARCHIVE_CAPTURE_USER_AGENT",
                 "ARCHIVE_CAPTURE_EXTRA_HEADERS", "ARCHIVE_BAG_" + suffix.upper(), "ARCHIVE_OUTPUT"):
        try:
            load_config(None, env={name: value})
        except ConfigError as exc:
            assert "\n" not in exc.message or "problem(s)" in exc.message


@pytest.mark.parametrize(("changes", "expected"), [
    ({"warc_prefix": "../escape"}, r"warc_prefix '../escape' contains a path separator"),
    ({"warc_prefix": "/tmp/x"}, r"warc_prefix '/tmp/x' contains a path separator"),
    ({"warc_prefix": ".."}, r"warc_prefix '..' starts with a dot"),
    ({"warc_prefix": "a\\b"}, r"contains a path separator"),
    ({"warc_prefix": "a\x00b"}, r"contains a control character"),
    ({"warc_name_template": "../{prefix}-{serial}.warc.gz"}, r"warc_name_template '\.\./news-99999\.warc\.gz' contains"),
    ({"warc_name_template": "/tmp/{serial}.warc.gz"}, r"contains a path separator"),
    ({"warc_name_template": "{serial}/x.warc.gz"}, r"contains a path separator"),
    ({"warc_name_template": "{nope}-{serial}.warc.gz"}, r"unknown field 'nope'"),
    ({"warc_name_template": "{0}.warc.gz"}, r"unknown field"),
    ({"warc_name_template": "{serial:s}.warc.gz"}, r"cannot be formatted"),
    ({"warc_name_template": "{prefix.x}.warc.gz"}, r"unknown field"),
    ({"warc_name_template": "x" * 250 + ".warc.gz"}, r"names of over 250 bytes"),
    ({"read_timeout": float("nan")}, r"read_timeout must be a number of seconds from 0 to 604800, not nan"),
    ({"connect_timeout": float("inf")}, r"connect_timeout must be"),
    ({"per_host_delay": -1.0}, r"per_host_delay must be"),
    ({"backoff_max": 1e300}, r"backoff_max must be"),
    ({"retries": 2**70}, r"retries must be from 0 to 2\*\*62"),
    ({"max_body_bytes": 0}, r"max_body_bytes must be from 1"),
    ({"user_agent": "x\r\nX-Evil: 1"}, r"user_agent must be one line"),
    ({"extra_headers": {"Bad Name": "x"}}, r"'Bad Name' is not an HTTP header name"),
    ({"extra_headers": {"X-A": "x\ny"}}, r"extra_headers.X-A must be one line"),
])
def test_unsafe_settings_are_refused_at_config_check(changes: dict[str, object], expected: str) -> None:
    with pytest.raises(ConfigError, match=expected):
        CaptureSettings.from_mapping(changes)


def test_config_file_with_unsafe_template_is_refused_before_any_fetch(tmp_path: Path) -> None:
    path = write(tmp_path, "capture:\n  warc_name_template: '{nope}.warc.gz'\n  read_timeout: .nan\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path, env={})
    assert "unknown field 'nope'" in caught.value.message and "read_timeout" in caught.value.message


_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=500, deadline=None)
@given(st.dictionaries(st.sampled_from([f.name for f in dataclasses.fields(CaptureSettings)]) | st.text(max_size=10),
                       _VALUES, max_size=6))
def test_any_setting_values_give_checked_settings_or_a_config_error(values: dict[str, object]) -> None:
    try:
        checked = CaptureSettings.from_mapping(values)
    except ConfigError:
        return
    name = checked.warc_name(timestamp="20260101000000000", serial=1, host="h", pid=1)
    assert Path(name).name == name and not name.startswith(".") and name.endswith(".warc.gz")
    for value in dataclasses.asdict(checked).values():
        if isinstance(value, float):
            assert 0 <= value <= 7 * 24 * 3600


@settings(max_examples=300, deadline=None)
@given(prefix=st.text(max_size=20), template=st.text(max_size=30))
def test_any_name_settings_give_one_file_name_or_a_config_error(prefix: str, template: str) -> None:
    try:
        checked = CaptureSettings.from_mapping({"warc_prefix": prefix, "warc_name_template": template + ".warc.gz"})
    except ConfigError:
        return
    for serial in (1, 7, 123456):
        name = checked.warc_name(timestamp="20260101000000000", serial=serial, host="example-host", pid=99)
        assert Path(name).name == name and name not in {".", ".."} and "/" not in name and "\x00" not in name


def test_a_large_wrong_value_does_not_bury_the_other_problems(tmp_path: Path) -> None:
    path = write(tmp_path, "capture: [" + ", ".join(["value"] * 20_000) + "]\noutput: 5\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path, env={})
    assert len(caught.value.message) < 1000 and "output: 5 is not of type 'string'" in caught.value.message
