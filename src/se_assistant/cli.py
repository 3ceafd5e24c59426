"""The ``se-assistant`` command. Each subcommand lives in ``se_assistant/commands/<name>.py``
with ``register(subparsers)``; settings flags are shared by all of them."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import Any

COMMANDS = ("ingest", "ask", "chat", "ui", "eval", "bench")

# Settings every subcommand accepts as flags (--data-dir, --top-k ...); None means "not given".
SETTING_FLAGS: dict[str, dict[str, Any]] = {
    "data_dir": {"help": "where the index lives (SE_ASSISTANT_DATA_DIR)"},
    "corpus_dir": {"help": "the corpus ingested when no paths are given"},
    "collection": {"help": "Chroma collection name"},
    "chroma_host": {"help": "use a Chroma server at this host instead of the embedded store"},
    "chroma_port": {"help": "port of the Chroma server"},
    "embed_model": {"help": "sentence-transformers model name or local folder"},
    "embed_backend": {"help": "onnx (default: ONNX Runtime, no PyTorch at start-up) | torch"},
    "index_precision": {"help": "int8 (default, faster ingest) | float32: model that embeds chunks"},
    "model_cache_dir": {"help": "where the ONNX export of the model is kept"},
    "top_k": {"help": "passages retrieved per question"},
    "llm_provider": {"help": "none | ollama | openai-compatible"},
    "llm_model": {"help": "model name for the LLM provider"},
    "llm_base_url": {"help": "base URL of the LLM server"},
    "llm_timeout": {"help": "seconds before falling back to the extractive answer"},
}


def settings_from_args(args: argparse.Namespace, **extra: Any):
    """Settings from defaults, SE_ASSISTANT_* variables and the flags given."""
    from se_assistant.settings import Settings

    given = {name: getattr(args, name, None) for name in SETTING_FLAGS}
    return Settings.load(**given, **extra)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="se-assistant",
        description="Questions answered with citations over the REVES social economy material.",
    )
    common = argparse.ArgumentParser(add_help=False)
    group = common.add_argument_group("settings (also SE_ASSISTANT_<NAME> variables)")
    for name, options in SETTING_FLAGS.items():
        group.add_argument(f"--{name.replace('_', '-')}", dest=name, default=None, **options)
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
    from se_assistant.errors import SeAssistantError

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
