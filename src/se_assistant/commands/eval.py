"""``se-assistant eval``: run the eval sets against the current index or against renditions of
the material side by side, write the report, gate."""

from __future__ import annotations

import argparse
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

from se_assistant.assistant import Assistant
from se_assistant.cli import settings_from_args
from se_assistant.evaluation import corpora
from se_assistant.evaluation.dataset import load_eval_set
from se_assistant.evaluation.runner import evaluate, evaluate_renditions


def register(subparsers, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser(
        "eval", parents=[common], help="run the eval sets and write a report",
        description="Ask every question of the eval sets (dev and test splits), score retrieval, "
        "facts, citations, faithfulness and refusals, write Markdown/JSON/PNG reports and compare "
        "with the previous report. With --corpus (or --renditions) each folder is ingested into "
        "a fresh index of its own and the report shows them side by side. Exits 1 when a gated "
        "split breaks a threshold of its set file.",
    )
    p.add_argument("--set", dest="eval_sets", action="append", default=None, metavar="FILE",
                   help="an eval set; repeatable (default: evals/questions.yaml and "
                   "evals/questions-test.yaml)")
    p.add_argument("--corpus", dest="corpora", action="append", default=None, metavar="DIR",
                   help="a folder to ingest into a fresh index and evaluate; repeatable, one "
                   "report column each, the first is the reference for rendition_gap "
                   "(default: the current index)")
    p.add_argument("--renditions", action="store_true",
                   help="build the seed's .txt/.pptx/.pdf/.docx/.html renditions with "
                   "evals/renditions.py (source checkout only) and evaluate them after the "
                   "bundled corpus")
    p.add_argument("--seed", default=None, metavar="FILE",
                   help="the seed text for --renditions (default: the .txt in ../shared/seed/)")
    p.add_argument("--report-dir", dest="report_dir", default=None, metavar="DIR",
                   help="where reports go (default: evals/reports/)")
    p.add_argument("--baseline", default=None, metavar="FILE",
                   help="compare with this JSON report (default: the latest in --report-dir)")
    p.add_argument("--no-progress", dest="progress", action="store_false",
                   help="no progress bar")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    folders = [Path(d) for d in args.corpora or []]
    corpora.check_folders(folders)
    for path in args.eval_sets or []:
        load_eval_set(path)  # a bad set file stops before anything is ingested
    if args.seed and not args.renditions:
        print("error: --seed is used only with --renditions", file=sys.stderr)
        return 2

    with ExitStack() as stack:
        if args.renditions:
            built = Path(stack.enter_context(
                tempfile.TemporaryDirectory(prefix="se-assistant-renditions-")))
            seed = Path(args.seed) if args.seed else None
            folders = [settings.corpus_dir, *corpora.build_renditions(seed, built), *folders]
        if folders:
            renditions = stack.enter_context(corpora.ingested(folders, settings, args.progress))
            outcome = evaluate_renditions(renditions, args.eval_sets, args.report_dir,
                                          args.baseline, args.progress)
        else:
            outcome = evaluate(Assistant(settings), args.eval_sets, args.report_dir,
                               args.baseline, args.progress)
    for entry in outcome.regressed:
        print(f"regressed: {entry['split']}/{entry['rendition']}: {entry['id']}: "
              f"{'; '.join(entry['changes'])}", file=sys.stderr)
    for line in outcome.information:
        print(f"not gated: {line}", file=sys.stderr)
    for failure in outcome.failures:
        print(f"below threshold: {failure}", file=sys.stderr)
    print(outcome.summary_line())
    return outcome.exit_code
