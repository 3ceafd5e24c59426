"""The ``se-assistant`` command. Each subcommand lives in ``se_assistant/commands/<name>.py``
with ``register(subparsers, common)``; the settings flags come from the fields of
:class:`~se_assistant.settings.Settings` (name, type, description), shared by all subcommands
except the few a field assigns to one command."""

from __future__ import annotations

import argparse
import importlib
import sys
import types
import typing
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic.fields import FieldInfo

from se_assistant.errors import SeAssistantError
from se_assistant.settings import ENV_PREFIX, Settings, setting_extra, setting_flag

COMMANDS = ("ingest", "ask", "chat", "ui", "eval", "bench")


def settings_from_args(args: argparse.Namespace, **extra: Any) -> Settings:
    """Settings from defaults, SE_ASSISTANT_* variables and the flags given (a flag not given
    is None; ``extra`` values that are not None win over the flags)."""
    given = {name: getattr(args, name, None) for name in Settings.model_fields}
    given.update({name: value for name, value in extra.items() if value is not None})
    return Settings.load(**given)


def add_setting_flags(parser: Any, command: str | None = None) -> None:
    """Add to ``parser`` (an argparse parser or argument group) a flag for every setting of
    ``command`` (None: the settings every command takes).
    Values stay strings, so a bad one is reported by :meth:`Settings.load` in one line."""
    for name, field in Settings.model_fields.items():
        flag = setting_flag(name)
        if flag is None or setting_extra(name).get("command") != command:
            continue
        help_text = f"{field.description or name.replace('_', ' ')} ({ENV_PREFIX}{name.upper()})"
        if _annotation(field) is bool:
            parser.add_argument(flag, dest=name, default=None, help=help_text,
                                action=argparse.BooleanOptionalAction)
        else:
            parser.add_argument(flag, dest=name, default=None, help=help_text,
                                metavar=setting_extra(name).get("metavar") or _metavar(field))


def _annotation(field: FieldInfo) -> Any:
    """The field's type without ``| None``."""
    annotation = field.annotation
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        kept = [a for a in typing.get_args(annotation) if a is not type(None)]
        annotation = kept[0] if len(kept) == 1 else annotation
    return annotation


def _metavar(field: FieldInfo) -> str:
    annotation = _annotation(field)
    if typing.get_origin(annotation) is typing.Literal:
        return "{" + ",".join(str(choice) for choice in typing.get_args(annotation)) + "}"
    names = {int: "N", float: "NUMBER", Path: "PATH"}
    return names.get(annotation, "TEXT")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="se-assistant",
        description="Questions answered with citations over the ingested material.",
    )
    common = argparse.ArgumentParser(add_help=False)
    add_setting_flags(common.add_argument_group("settings (also SE_ASSISTANT_<NAME> variables)"))
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"se_assistant.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"se_assistant.commands.{name}":
                raise
            continue
        module.register(subparsers, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: runs a subcommand; user errors print one line and exit 2."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except SeAssistantError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
