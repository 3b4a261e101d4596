"""Peak memory vs size: capture of one huge response, validation of growing bags, indexing of
WARCs with many records. Not part of the test suite.

Each measurement runs in its own child process, which reads its own peak RSS (``VmHWM`` in
/proc/self/status) when done: not ``ru_maxrss``, which Linux carries across exec and so reports
the parent's peak for a small child. ``base`` is the child's peak after its imports, before the
work; ``peak`` is at the end. Flat means ``peak`` does not grow with size.

    .venv/bin/python bench/bench_memory.py [--dir /tmp] [--capture 256,512,1024] \
        [--validate 1,2,4] [--index 100000,300000,1000000] [--skip capture,validate,index]

Sizes: capture in MiB, validate in GiB (needs about 2x the largest size free: source WARC plus
bag), index in records. Everything it writes goes under a temporary folder in ``--dir``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MiB = 1 << 20
GiB = 1 << 30

PEAK = """
def _peak():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
"""

CAPTURE = PEAK + """
import asyncio, json, sys, time
from pathlib import Path
from archive.capture.session import CaptureSession
from archive.capture.settings import CaptureSettings
base = _peak()
url, out = sys.argv[1], Path(sys.argv[2])
settings = CaptureSettings(max_body_bytes=4 << 30, body_timeout=3600, read_timeout=60, respect_robots=False,
                           per_host_delay=0, gzip_level=1, warc_max_bytes=8 << 30)
async def go():
    async with CaptureSession(out, settings) as session:
        return await session.capture_article(url)
t = time.monotonic()
result = asyncio.run(go())
assert result.ok and not result.failures, result
print(json.dumps({"base": base, "peak": _peak(), "seconds": time.monotonic() - t}))
"""

VALIDATE = PEAK + """
import json, sys, time
from pathlib import Path
from archive.validate import validate_bag
base = _peak()
t = time.monotonic()
report = validate_bag(Path(sys.argv[1]))
assert report.valid, [str(p) for p in report.problems]
print(json.dumps({"base": base, "peak": _peak(), "seconds": time.monotonic() - t, "bytes": report.bytes_hashed}))
"""

INDEX = PEAK + """
import io, json, sys, time
from pathlib import Path
from archive.replay.cdxj import write_cdxj
base = _peak()
t = time.monotonic()
with open(sys.argv[2], "wb") as out:
    n = write_cdxj([Path(sys.argv[1])], out)
print(json.dumps({"base": base, "peak": _peak(), "seconds": time.monotonic() - t, "lines": n}))
"""


def child(code: str, *args: str) -> dict[str, float]:
    proc = subprocess.run([sys.executable, "-c", code, *args], cwd=REPO, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"child failed:\n{proc.stderr[-3000:]}")
    got: dict[str, float] = json.loads(proc.stdout.strip().splitlines()[-1])
    return got


class ZeroServer:
    """GET /N answers N zero bytes with a Content-Length, from one 1 MiB block."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._one, args=(conn,), daemon=True).start()

    def _one(self, conn: socket.socket) -> None:
        with conn:
            data = b""
            while b"\r\n\r\n" not in data:
                part = conn.recv(4096)
                if not part:
                    return
                data += part
            size = int(data.split(b" ")[1].lstrip(b"/") or b"0")
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                         b"Content-Length: %d\r\nConnection: close\r\n\r\n" % size)
            block = b"\0" * MiB
            sent = 0
            try:
                while sent < size:
                    n = min(MiB, size - sent)
                    conn.sendall(block[:n])
                    sent += n
            except OSError:
                pass


def write_big_warc(path: Path, size: int) -> None:
    """An uncompressed WARC/1.1 of about ``size`` bytes: 256 MiB responses of pseudo-random
    bytes, written by hand (streamed from one 1 MiB block) so that making 10 GB is disk-bound."""
    import hashlib

    block = hashlib.shake_256(b"bench").digest(MiB)
    with open(path, "wb") as fh:
        info = b"software: bench_memory\r\n"
        fh.write(b"WARC/1.1\r\nWARC-Type: warcinfo\r\nWARC-Record-ID: <urn:uuid:00000000-0000-4000-8000-000000000000>\r\n"
                 b"WARC-Date: 2026-11-24T12:00:00Z\r\nContent-Type: application/warc-fields\r\n"
                 b"Content-Length: %d\r\n\r\n%s\r\n\r\n" % (len(info), info))
        remaining, i = size, 0
        while remaining > 0:
            n = min(256 * MiB, remaining)
            http = b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: %d\r\n\r\n" % n
            fh.write(b"WARC/1.1\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:uuid:00000000-0000-4000-8000-%012d>\r\n"
                     b"WARC-Date: 2026-11-24T12:00:00Z\r\nWARC-Target-URI: http://127.0.0.1:8000/big/%d\r\n"
                     b"Content-Type: application/http; msgtype=response\r\nContent-Length: %d\r\n\r\n"
                     % (i + 1, i, len(http) + n))
            fh.write(http)
            for _ in range(n // MiB):
                fh.write(block)
            fh.write(block[: n % MiB] + b"\r\n\r\n")
            remaining -= n
            i += 1


def write_many_records(path: Path, n: int) -> None:
    """An uncompressed WARC/1.1 with ``n`` small response records (request-less, as wget's
    --warc-cdx tests do), written from a template: valid WARC, about 600 bytes per record."""
    import base64
    import hashlib

    with open(path, "wb") as fh:
        buf = []
        for i in range(n):
            body = b"<html>record %d</html>" % i
            http = (b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n" % len(body)) + body
            digest = base64.b32encode(hashlib.sha1(body).digest())
            head = (b"WARC/1.1\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:uuid:00000000-0000-4000-8000-%012d>\r\n"
                    b"WARC-Date: 2026-11-24T12:00:00Z\r\nWARC-Target-URI: http://127.0.0.1:8000/r/%d\r\n"
                    b"WARC-Payload-Digest: sha1:%s\r\nContent-Type: application/http; msgtype=response\r\n"
                    b"Content-Length: %d\r\n\r\n" % (i, i, digest, len(http)))
            buf.append(head + http + b"\r\n\r\n")
            if len(buf) == 10000:
                fh.write(b"".join(buf))
                buf.clear()
        fh.write(b"".join(buf))


def mib(n: float) -> str:
    return f"{n / MiB:8.1f}"


def table(title: str, unit: str, rows: list[tuple[str, dict[str, float]]]) -> None:
    print(f"\n{title}")
    print(f"  {unit:>12} {'base MiB':>9} {'peak MiB':>9} {'delta MiB':>9} {'seconds':>8}")
    for size, r in rows:
        print(f"  {size:>12} {mib(r['base']):>9} {mib(r['peak']):>9} {mib(r['peak'] - r['base']):>9} {r['seconds']:8.1f}")
    sys.stdout.flush()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dir", default=tempfile.gettempdir())
    parser.add_argument("--capture", default="256,512,1024", help="response sizes in MiB")
    parser.add_argument("--validate", default="1,2,4", help="bag sizes in GiB")
    parser.add_argument("--index", default="100000,300000,1000000", help="records per WARC")
    parser.add_argument("--skip", default="", help="comma-separated: capture,validate,index")
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    work = Path(tempfile.mkdtemp(prefix="bench-memory-", dir=args.dir))
    print(f"python {sys.version.split()[0]}, work folder {work}")
    try:
        if "capture" not in skip:
            server = ZeroServer()
            rows: list[tuple[str, dict[str, float]]] = []
            for size in (int(s) for s in args.capture.split(",")):
                out = work / f"capture-{size}"
                rows.append((f"{size} MiB", child(CAPTURE, f"http://127.0.0.1:{server.port}/{size * MiB}", str(out))))
                shutil.rmtree(out)
            table("capture: one response of N MiB (CaptureSession -> WARC)", "response", rows)
        if "validate" not in skip:
            from archive.package import BagInfo, build_bag

            rows = []
            for gib in (float(s) for s in args.validate.split(",")):
                src = work / "src.warc"
                write_big_warc(src, int(gib * GiB))
                bag = build_bag(work / f"bag-{gib:g}", warcs=[src], metadata=[],
                                info=BagInfo(source_organization="bench", external_identifier=f"bench-{gib:g}",
                                             external_description="memory benchmark"))
                src.unlink()
                rows.append((f"{gib:g} GiB", child(VALIDATE, str(bag))))
                shutil.rmtree(bag)
            table("validate: a bag of N GiB (validate_bag, sha256+sha512)", "bag", rows)
        if "index" not in skip:
            rows = []
            for n in (int(s) for s in args.index.split(",")):
                warc = work / f"many-{n}.warc"
                t = time.monotonic()
                write_many_records(warc, n)
                gen = time.monotonic() - t
                r = child(INDEX, str(warc), str(work / "index.cdxj"))
                assert r["lines"] == n, r
                rows.append((f"{n:,}", r))
                print(f"  ({n:,} records, {warc.stat().st_size / MiB:.0f} MiB, generated in {gen:.1f}s)")
                warc.unlink()
            table("index: a WARC of N small records (write_cdxj)", "records", rows)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
