"""The ``archive`` command: thin wiring over the library, one module per subcommand.

``main(argv) -> int`` returns 0 ok, 1 invalid or failed, 2 usage error. Expected errors are
printed as one clear message (with a hint); tracebacks only with ``--verbose``.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import logging
import sys
from collections.abc import Sequence
from types import ModuleType

from archive import __version__
from archive.diskfull import disk_full_cause
from archive.display import PrintableLogHandler, error_text
from archive.errors import ArchiveError
from archive.runtime import collector_paused

# Each module in archive_app/commands/ has NAME, HELP, add_arguments(parser) and run(args) -> int.
COMMANDS: tuple[str, ...] = (
    "capture",
    "extract",
    "bag",
    "validate",
    "audit",
    "demo",
    "schedule",
    "run",
    "replay", "index", "list", "show", "wacz",
    "server",
    "versions", "diff",
)


def _load(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(f"archive_app.commands.{name}")
    except ModuleNotFoundError as exc:
        # Only tolerate the command module itself being absent, never a broken import inside it.
        if exc.name == f"archive_app.commands.{name}":
            return None
        raise


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The argument parser; with ``only``, just that subcommand is imported (faster start-up,
    which matters for commands run thousands of times, such as validate in an audit loop)."""
    parser = argparse.ArgumentParser(
        prog="archive",
        description="Capture news articles into WARCs, extract metadata, package BagIt bags.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="show tracebacks and debug logs")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS if only is None else (only,):
        module = _load(name)
        if module is None:
            continue
        cmd = sub.add_parser(module.NAME, help=module.HELP, description=module.HELP)
        module.add_arguments(cmd)
        cmd.set_defaults(_run=module.run)
    return parser


def _escape_library_logs() -> None:
    """Warnings of the libraries we call go to stderr made printable (see PrintableLogHandler),
    at the level Python's last-resort handler would have shown them."""
    root = logging.getLogger()
    if not any(isinstance(h, PrintableLogHandler) for h in root.handlers):
        handler = PrintableLogHandler()
        handler.setLevel(logging.WARNING)
        root.addHandler(handler)


def main(argv: Sequence[str] | None = None) -> int:
    code = _main(argv)
    if argv is None:
        _finish_quickly()
    return code


def _finish_quickly() -> None:
    """A command process is about to exit: move every live object out of the garbage
    collector's reach. The interpreter's final collection would otherwise walk the hundreds of
    thousands of objects Prefect and pydantic create (about 0.2 s of a 2 s command); exit
    handlers still run, so Prefect still ships its last logs and events. Only for the console
    command (``argv is None``): a program calling ``main([...])`` keeps its collector."""
    gc.freeze()


def _main(argv: Sequence[str] | None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    chosen = next((w for w in words if not w.startswith("-")), None)
    with collector_paused():  # the command's module and what it imports live until exit
        parser = build_parser(chosen if chosen in COMMANDS else None)
    try:
        args = parser.parse_args(words)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
        return int(exc.code or 0)
    _escape_library_logs()
    try:
        return int(args._run(args))
    except ArchiveError as exc:
        if args.verbose:
            raise
        # Messages quote file names and URLs: each line made printable (our own line breaks
        # stay; a CR or ESC from a file name cannot rewrite the screen).
        print(f"archive {args.command}: error: {error_text(exc)}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(f"archive {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        # Backstop for a write boundary that does not translate a full disk itself (a library's
        # own files, e.g. Prefect's database): still one line, never a traceback.
        cause = disk_full_cause(exc)
        if cause is None or args.verbose:
            raise
        print(f"archive {args.command}: error: disk full: {error_text(cause)}; the command stopped "
              "before finishing\n  hint: free space on that file system (or raise the quota), then run it again; "
              "--verbose shows where", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
