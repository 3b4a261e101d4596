"""``archive replay BAG_OR_WARC... [--port N]``: serve bags and WARCs with pywb on 127.0.0.1.

Prints the replay URL and capture time of every article, then serves until Ctrl-C (exit 0).
A busy port is a usage error (exit 2); pywb missing or failing to start is exit 1.
"""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path

from archive.display import error_text, printable
from archive.errors import WarcReadError
from archive.replay.articles import find_articles
from archive.replay.pywb import ReplayServer
from archive.replay.sources import open_sources

NAME = "replay"
HELP = "replay bags or WARCs in a browser with pywb, on 127.0.0.1 (Ctrl-C stops it)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("inputs", nargs="+", type=Path, metavar="BAG_OR_WARC",
                        help="bag folders, capture folders or WARC files; several replay as one collection")
    parser.add_argument("--port", type=_port, default=8080, metavar="N",
                        help="port on 127.0.0.1 (default 8080; 0 picks a free one)")


def _port(text: str) -> int:
    if not text.isdigit() or not 0 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (0 to 65535)")
    return int(text)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # SIGTERM (a service manager, `kill`) stops as cleanly as Ctrl-C


def run(args: argparse.Namespace) -> int:
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        return _serve(args)
    finally:
        signal.signal(signal.SIGTERM, previous)


def _serve(args: argparse.Namespace) -> int:
    sources = open_sources(args.inputs)
    server = ReplayServer(sources, port=args.port)
    errors: list[WarcReadError] = []
    articles = find_articles(sources, errors=errors)
    try:
        server.start()
        for exc in [*errors, *server.index_errors]:
            print(f"archive replay: warning: {error_text(exc)}", file=sys.stderr)
        print(f"pywb is serving {len(sources)} input(s) at {server.base_url}", file=sys.stderr)
        if not articles:
            print("no articles found; browse the collection by URL", file=sys.stderr)
        for article in articles:
            title = f"  {article.title}" if article.title else ""
            # URL and title come from the archived page: shown, never acted on by the terminal.
            print(printable(f"{article.capture_time}  {server.url_for(article.url, article.timestamp)}{title}"))
        print("press Ctrl-C to stop", file=sys.stderr)
        sys.stdout.flush()
        code = server.wait()
        tail = "\n".join(printable(line) for line in server.log_tail().split("\n"))
        print(f"archive replay: pywb exited with code {code}:\n{tail}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nstopping pywb", file=sys.stderr)
        return 0
    finally:
        server.stop()
