"""``se-assistant chat``: a conversation in the terminal, with history and follow-ups."""

from __future__ import annotations

import argparse

from se_assistant.assistant import Assistant
from se_assistant.cli import settings_from_args
from se_assistant.commands.ask import announce_first_ingest, print_answer
from se_assistant.errors import QuestionError


def register(subparsers, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser("chat", parents=[common], help="a conversation in the terminal")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    assistant = Assistant(settings_from_args(args))
    announce_first_ingest(assistant)
    chat = assistant.chat()
    print("Ask about the ingested material. Empty line or Ctrl-D to quit, /new to start over.")
    while True:
        try:
            question = input("\n> ")
        except EOFError:
            print()
            return 0
        if not question.strip():
            return 0
        if question.strip() == "/new":
            chat.reset()
            print("(new conversation)")
            continue
        try:
            print_answer(chat.ask(question))
        except QuestionError as exc:
            print(f"error: {exc}")
