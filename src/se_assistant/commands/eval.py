"""``se-assistant eval``: run the eval set against the current index, write the report, gate."""

from __future__ import annotations

import argparse
import sys

from se_assistant.assistant import Assistant
from se_assistant.cli import settings_from_args
from se_assistant.evaluation.runner import evaluate


def register(subparsers, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser(
        "eval", parents=[common], help="run the eval set and write a report",
        description="Ask every question of the eval set, score retrieval, facts, citations and "
        "refusals, write Markdown/JSON/PNG reports and compare with the previous report. Exits 1 "
        "when a metric breaks a threshold of the set file.",
    )
    p.add_argument("--set", dest="eval_set", default=None, metavar="FILE",
                   help="the eval set (default: evals/questions.yaml)")
    p.add_argument("--report-dir", dest="report_dir", default=None, metavar="DIR",
                   help="where reports go (default: evals/reports/)")
    p.add_argument("--baseline", default=None, metavar="FILE",
                   help="compare with this JSON report (default: the latest in --report-dir)")
    p.add_argument("--no-progress", dest="progress", action="store_false",
                   help="no progress bar")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    assistant = Assistant(settings_from_args(args))
    outcome = evaluate(assistant, args.eval_set, args.report_dir, args.baseline, args.progress)
    for entry in outcome.report["changes"]["regressed"]:
        print(f"regressed: {entry['id']}: {'; '.join(entry['changes'])}", file=sys.stderr)
    for failure in outcome.failures:
        print(f"below threshold: {failure}", file=sys.stderr)
    print(outcome.summary_line())
    return outcome.exit_code
