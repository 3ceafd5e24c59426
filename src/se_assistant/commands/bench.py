"""``se-assistant bench``: runs the benchmark script (evals/bench.py) with the same flags."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from se_assistant.errors import SeAssistantError
from se_assistant.locations import project_file


def register(subparsers, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser(
        "bench", help="measure latency, start-up, ingestion and memory",
        description="Benchmarks written as JSON + Markdown + PNG (evals/reports by default). "
        "--quick takes about a minute; the full run takes many minutes.")
    p.add_argument("--quick", action="store_true",
                   help="bundled corpus only, one run each: checks the script works")
    p.add_argument("--sizes", default=None,
                   help="comma-separated chunk counts of generated corpora (default 1000,10000)")
    p.add_argument("--with-100k", dest="with_100k", action="store_true",
                   help="also a generated corpus of 100,000 chunks (10-20 minutes more)")
    p.add_argument("--runs", type=int, default=None, help="runs per measurement (default 3)")
    p.add_argument("--out", default=None, help="report folder (default evals/reports)")
    p.add_argument("--keep", action="store_true", help="keep the data dirs and corpora made")
    p.set_defaults(run=run)


def bench_script() -> Path:
    """evals/bench.py of the repository checkout (the benchmark is not in the wheel)."""
    path = project_file("evals/bench.py")
    if path is not None:
        return path
    raise SeAssistantError(
        "the benchmark runs from a checkout of the repository (evals/bench.py), not from an "
        "installed wheel; clone the repository and run `se-assistant bench` there"
    )


def run(args: argparse.Namespace) -> int:
    cmd = [sys.executable, str(bench_script())]
    cmd += ["--quick"] if args.quick else []
    cmd += ["--sizes", args.sizes] if args.sizes is not None else []
    cmd += ["--with-100k"] if args.with_100k else []
    cmd += ["--runs", str(args.runs)] if args.runs is not None else []
    cmd += ["--out", args.out] if args.out else []
    cmd += ["--keep"] if args.keep else []
    return subprocess.call(cmd)
