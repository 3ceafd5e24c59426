"""``se-assistant ask "question"``: one answer with its sources (or JSON)."""

from __future__ import annotations

import argparse
import json
import sys

from se_assistant.assistant import Assistant
from se_assistant.cli import settings_from_args
from se_assistant.errors import QuestionError


def register(subparsers, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser("ask", parents=[common], help="answer one question")
    p.add_argument("question", help="the question, in quotes")
    p.add_argument("--json", action="store_true", help="print the answer as JSON")
    p.add_argument("--filter", action="append", default=[], metavar="KEY=VALUE",
                   help="restrict to passages with this metadata (case, country, ...); repeatable")
    p.set_defaults(run=run)


def parse_filters(items: list[str]) -> dict[str, list[str]] | None:
    filters: dict[str, list[str]] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise QuestionError(f"filter '{item}' must look like key=value, e.g. case=Coopcity")
        filters.setdefault(key.strip(), []).append(value.strip())
    return filters or None


def print_answer(answer, out=print) -> None:
    """An answer and its sources, as a terminal shows them."""
    if answer.query and answer.query != answer.question:
        out(f"(searched: {answer.query})")
    out(answer.text)
    if answer.notice:
        out(f"note: {answer.notice}")
    sources = answer.citations or answer.related
    if sources:
        out("")
        out("Sources:" if answer.citations else "Related passages:")
        for c in sources:
            out(f"  [{c.number}] {c.title} — {c.locator} ({c.source})")
            quote = " ".join(c.quote.split())
            out(f"      “{quote[:300]}{'…' if len(quote) > 300 else ''}”")


def announce_first_ingest(assistant: Assistant) -> None:
    """Say so on stderr when the first question is about to ingest the bundled corpus."""
    if assistant.ingests_on_first_question():
        print(f"Nothing is ingested yet in {assistant.settings.data_dir}: ingesting the bundled "
              f"corpus ({assistant.settings.corpus_dir}) first, once.", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    assistant = Assistant(settings_from_args(args))
    announce_first_ingest(assistant)
    answer = assistant.ask(args.question, filters=parse_filters(args.filter))
    if args.json:
        print(json.dumps(answer.to_dict(), indent=2, ensure_ascii=False))
    else:
        print_answer(answer)
    return 0
