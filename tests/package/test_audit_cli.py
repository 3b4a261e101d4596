"""`archive audit ROOT...`: every bag under the roots, one event each, summary, resume, alerts."""

from __future__ import annotations

import email
import email.policy
import json
import shutil
import signal
import socketserver
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from archive.package import build_bag
from archive.validate.auditrun import resume_file
from archive_app.cli import main
from archive_app.commands.audit import parse_rate
from tests.package.conftest import bag_info, write_metadata, write_warc

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    src = tmp_path_factory.mktemp("src")
    warc = write_warc(src / "capture.warc.gz", pages=4, body_size=20_000)
    meta = write_metadata(src / "article-0.json", 0)
    return build_bag(tmp_path_factory.mktemp("bags") / "bag", warcs=[warc], metadata=[meta], info=bag_info())


def store(tmp_path: Path, template: Path, good: int, bad: tuple[str, ...] = ()) -> list[Path]:
    """Two roots: bags spread over them, ``bad`` ones with a flipped byte in their WARC."""
    bags = []
    for i in range(good + len(bad)):
        name = bad[i - good] if i >= good else f"good-{i:03d}"
        bag = Path(shutil.copytree(template, tmp_path / f"root{i % 2}" / "shelf" / name))
        bags.append(bag)
        if i >= good:
            warc = bag / "data" / "warcs" / "capture.warc.gz"
            data = bytearray(warc.read_bytes())
            data[500] ^= 0xFF
            warc.write_bytes(bytes(data))
    return bags


def events(log: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]


def bag_of(event: dict[str, Any]) -> str:
    return event["linkingObjectIdentifier"][0]["linkingObjectIdentifierValue"]


def test_audit_two_roots_one_event_per_bag_summary_and_exit_1(tmp_path: Path, template: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    bags = store(tmp_path, template, good=3, bad=("tampered",))
    log = tmp_path / "logs" / "audit.jsonl"
    code = main(["audit", str(tmp_path / "root0"), str(tmp_path / "root1"), "--log", str(log), "--processes", "2"])
    out, err = capsys.readouterr()
    assert code == 1
    assert sorted(bag_of(e) for e in events(log)) == sorted(str(b) for b in bags)
    outcomes = {bag_of(e): e["eventOutcomeInformation"]["eventOutcome"] for e in events(log)}
    assert [b for b, o in outcomes.items() if o == "failure"] == [str(bags[3])]
    assert f"INVALID  {bags[3]}" in out and "checksum-mismatch data/warcs/capture.warc.gz" in out
    assert "PROBLEMS  4 bag(s) checked: 3 valid, 1 invalid, 0 skipped" in out
    last = [line for line in err.splitlines() if line.startswith("audit: ")][-1]
    assert last.startswith("audit: 4/4 bag(s)") and "/s, " in last and " left" in last
    assert not resume_file(log).exists()  # complete: nothing to resume


def test_audit_of_intact_bags_exits_0_and_json_summary(tmp_path: Path, template: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    store(tmp_path, template, good=2)
    log = tmp_path / "audit.jsonl"
    assert main(["audit", str(tmp_path), "--log", str(log), "--json", "--quiet"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert (doc["checked"], doc["valid"], doc["invalid"], doc["skipped"]) == (2, 2, 0, 0)
    assert doc["bytes"] > 80_000 and doc["problems"] == []


def test_audit_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", str(tmp_path / "absent"), "--log", str(tmp_path / "l")]) == 1
    assert "no such folder to audit" in capsys.readouterr().err
    assert main(["audit"]) == 2
    assert main(["audit", str(tmp_path), "--bytes-per-second", "fast"]) == 2
    assert parse_rate("100M") == 100e6 and parse_rate("1.5GiB/s") == 1.5 * 2**30 and parse_rate("250000") == 250000


def test_audit_resumes_after_sigkill_without_rehashing_finished_bags(tmp_path: Path, template: Path) -> None:
    """Killed mid-audit, the same command continues: finished bags are skipped, never hashed
    again, and every bag ends with exactly one event."""
    bags = store(tmp_path, template, good=8)
    log = tmp_path / "audit.jsonl"
    # Paced to about 4 bags a second, so there is time to kill it between bags.
    cmd = [sys.executable, "-m", "archive_app.cli", "audit", str(tmp_path / "root0"), str(tmp_path / "root1"),
           "--log", str(log), "--quiet", "--bytes-per-second", str(template_bytes(template) * 4)]
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 300  # generous on a busy machine; normally about a second
    while time.monotonic() < deadline and proc.poll() is None:
        if log.exists() and len(log.read_text().splitlines()) >= 2:
            break
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    before = [bag_of(e) for e in events(log)]
    if len(before) == len(bags):
        pytest.skip("the audit finished before it could be killed (machine far faster than expected)")
    assert before and resume_file(log).exists()
    result = subprocess.run([*cmd[:-2], "--json"], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["skipped"] == len(before) and summary["checked"] == len(bags) - len(before)
    after = [bag_of(e) for e in events(log)]
    assert sorted(after) == sorted(str(b) for b in bags)  # each bag exactly once: none hashed twice
    assert not resume_file(log).exists()


def template_bytes(template: Path) -> int:
    return sum(p.stat().st_size for p in template.rglob("*") if p.is_file())


def test_restart_and_a_different_audit_start_afresh(tmp_path: Path, template: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    store(tmp_path, template, good=2)
    log = tmp_path / "audit.jsonl"
    other = tmp_path / "audit.jsonl.resume"
    other.write_text('{"audit": "someone else", "log_offset": 0}\n')
    assert main(["audit", str(tmp_path / "root0"), "--log", str(log), "--json", "--quiet"]) == 0
    assert json.loads(capsys.readouterr().out)["skipped"] == 0


# --- alerts, against servers on 127.0.0.1 ----------------------------------------------------------


class _Hook(BaseHTTPRequestHandler):
    received: list[dict[str, Any]] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append(json.loads(body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


class _SMTP(socketserver.StreamRequestHandler):
    """The few SMTP verbs smtplib uses, enough to receive one message."""

    messages: list[str] = []

    def handle(self) -> None:
        self.wfile.write(b"220 127.0.0.1 test SMTP\r\n")
        while line := self.rfile.readline():
            verb = line[:4].upper()
            if verb == b"DATA":
                self.wfile.write(b"354 go ahead\r\n")
                lines = []
                while (data := self.rfile.readline()) not in (b".\r\n", b""):
                    lines.append(data.decode("utf-8", "replace"))
                type(self).messages.append("".join(lines))
                self.wfile.write(b"250 queued\r\n")
            elif verb == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 ok\r\n")


@pytest.fixture
def servers() -> Iterator[tuple[str, int]]:
    _Hook.received, _SMTP.messages = [], []
    hook = ThreadingHTTPServer(("127.0.0.1", 0), _Hook)
    smtp = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SMTP)
    smtp.daemon_threads = True
    for server in (hook, smtp):
        threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{hook.server_address[1]}/hook", smtp.server_address[1]
    for server in (hook, smtp):
        server.shutdown()
        server.server_close()


def write_config(tmp_path: Path, roots: list[Path], log: Path, alerts: str) -> Path:
    config = tmp_path / "audit.yaml"
    config.write_text(f"output: {tmp_path / 'out'}\naudit:\n  log: {log}\n  roots: [{', '.join(map(str, roots))}]\n"
                      f"  processes: 1\n  alerts:\n{alerts}", encoding="utf-8")
    return config


def test_a_failed_audit_posts_the_webhook_and_sends_the_email(tmp_path: Path, template: Path,
                                                              servers: tuple[str, int],
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    hook, smtp_port = servers
    bags = store(tmp_path, template, good=1, bad=("tampered",))
    config = write_config(tmp_path, [tmp_path / "root0", tmp_path / "root1"], tmp_path / "audit.jsonl",
                          f"    webhook: {hook}\n    email_to: [librarian@example.org]\n"
                          f"    email_from: audit@example.org\n    smtp_host: 127.0.0.1\n    smtp_port: {smtp_port}\n")
    assert main(["audit", "--config", str(config), "--quiet"]) == 1
    assert "alert not sent" not in capsys.readouterr().err
    assert len(_Hook.received) == 1
    posted = _Hook.received[0]
    assert "1 of 2 bag(s) failed" in posted["text"] and str(bags[1]) in posted["text"]
    assert posted["audit"]["problems"][0]["bag"] == str(bags[1])
    assert len(_SMTP.messages) == 1
    mail = email.message_from_string(_SMTP.messages[0], policy=email.policy.default)
    assert mail["Subject"] == "[news-archive] fixity audit: 1 bag(s) failed" and mail["To"] == "librarian@example.org"
    assert str(bags[1]) in mail.get_content() and "checksum-mismatch" in mail.get_content()


def test_an_intact_audit_sends_nothing_and_an_unreachable_alert_is_reported(
        tmp_path: Path, template: Path, servers: tuple[str, int], capsys: pytest.CaptureFixture[str]) -> None:
    hook, _ = servers
    store(tmp_path, template, good=1)
    config = write_config(tmp_path, [tmp_path / "root0"], tmp_path / "audit.jsonl", f"    webhook: {hook}\n")
    assert main(["audit", "--config", str(config), "--quiet"]) == 0
    assert _Hook.received == []
    bad = store(tmp_path / "more", template, good=0, bad=("tampered",))
    # A port nothing listens on (bound, then closed) for the e-mail: the alert failure is said,
    # and the exit stays 1 for the bag.
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = s.getsockname()[1]
    config = write_config(tmp_path, [bad[0].parents[1]], tmp_path / "audit2.jsonl",
                          f"    email_to: [a@example.org]\n    smtp_port: {dead}\n    timeout: 5\n")
    assert main(["audit", "--config", str(config), "--quiet"]) == 1
    assert "alert not sent: e-mail via 127.0.0.1" in capsys.readouterr().err



def test_overlapping_roots_audit_each_bag_once(tmp_path: Path, template: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    bags = store(tmp_path, template, good=3)
    log = tmp_path / "audit.jsonl"
    roots = [tmp_path / "root0" / "shelf", tmp_path, tmp_path / "root1", tmp_path]
    assert main(["audit", *map(str, roots), "--log", str(log), "--json", "--quiet"]) == 0
    assert json.loads(capsys.readouterr().out)["checked"] == 3
    assert sorted(bag_of(e) for e in events(log)) == sorted(str(b) for b in bags)
