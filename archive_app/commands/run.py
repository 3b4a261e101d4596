"""`archive run --config FILE [SOURCE...] [--dask N]`: capture configured sources now, in
parallel (each source its own session and bag), on threads or a Dask cluster."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from archive.config import load_config
from archive.runresult import all_ok
from archive.runtime import import_flows, prefect_api

NAME = "run"
HELP = "capture the configured sources now, in parallel (threads, or a Dask cluster with --dask)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, required=True, help="YAML configuration (see config/example.yaml)")
    parser.add_argument("sources", nargs="*", metavar="SOURCE", help="source names (default: all)")
    parser.add_argument("--dask", type=int, metavar="N",
                        help="run sources on a local Dask cluster of N worker processes (needs prefect-dask)")


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    for name in args.sources:
        config.source(name)  # a clear error for an unknown name, before Prefect starts
    api = prefect_api(verbose=args.verbose)
    module = import_flows("flows.sources")
    flow = module.with_dask(args.dask) if args.dask else module.capture_sources
    with import_flows("flows.runtime").using_api(api):
        results = flow(config_path=str(args.config.resolve()), sources=args.sources or None)
    for run in results:
        r = run.result
        print(f"{run.source}: {r.pages_captured}/{r.pages} pages, {r.unchanged} unchanged, bag {run.verdict}",
              file=sys.stderr)
        if r.bag is not None:
            print(r.bag.path)
    return 0 if all_ok(results) else 1
