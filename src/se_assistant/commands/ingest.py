"""``se-assistant ingest [PATHS...]``: incremental ingest, then the report."""

from __future__ import annotations

import argparse
import json

from se_assistant.cli import add_setting_flags, settings_from_args
from se_assistant.ingestion import ingest


def register(subparsers, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser("ingest", parents=[common], help="ingest files or folders",
                              description="Ingest files or folders (the bundled corpus when none "
                              "are given). Unchanged files embed nothing.")
    p.add_argument("paths", nargs="*", help="files or folders to ingest")
    p.add_argument("--strict", action="store_true", help="exit 1 when any file failed")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    add_setting_flags(p, command="ingest")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    report = ingest(settings, args.paths or None, progress=not args.json)
    print(json.dumps(report.to_dict(), indent=2) if args.json else report.summary())
    return 1 if args.strict and report.failed else 0
