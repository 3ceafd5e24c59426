"""Reasoning that models put in their reply as ``<think>…</think>`` (DeepSeek-R1, Qwen3 and
others served through OpenAI-compatible servers or Ollama) is never shown as answer text:
streamed pieces hold it back, and the final reply has it removed."""

from __future__ import annotations

import re

OPEN, CLOSE = "<think>", "</think>"
# an unclosed block hides everything after it, as the stream does
_BLOCK = re.compile(r"<think>.*?(?:</think>|$)", re.DOTALL | re.IGNORECASE)


def strip_thinking(reply: str) -> str:
    """``reply`` without its ``<think>`` blocks and the spaces around what is left."""
    return _BLOCK.sub("", reply).strip()


class ThinkingFilter:
    """Feeds on streamed pieces and returns only what lies outside ``<think>`` blocks, also
    when a tag is split across pieces ("<thi", "nk>"). Leading blank space of the answer is
    dropped, as :func:`strip_thinking` drops it."""

    def __init__(self) -> None:
        self._pending = ""  # text not yet shown: may end with the start of a tag
        self._inside = False
        self._started = False

    def feed(self, piece: str) -> str:
        """The part of ``piece`` (with what was held back) that can be shown now."""
        self._pending += piece
        shown: list[str] = []
        while True:
            tag = CLOSE if self._inside else OPEN
            at = self._pending.lower().find(tag)
            if at < 0:
                keep = _partial_tag(self._pending, tag)
                if not self._inside:
                    shown.append(self._pending[: len(self._pending) - keep])
                self._pending = self._pending[len(self._pending) - keep :] if keep else ""
                break
            if not self._inside:
                shown.append(self._pending[:at])
            self._pending = self._pending[at + len(tag) :]
            self._inside = not self._inside
        return self._show("".join(shown))

    def flush(self) -> str:
        """What is left at the end of the stream (nothing from an unclosed block)."""
        rest, self._pending = ("" if self._inside else self._pending), ""
        return self._show(rest)

    def _show(self, text: str) -> str:
        if not self._started:
            text = text.lstrip()
            self._started = bool(text)
        return text


def _partial_tag(text: str, tag: str) -> int:
    """Length of the longest end of ``text`` that begins ``tag`` (a tag cut by the stream)."""
    lowered = text.lower()
    for size in range(min(len(tag) - 1, len(text)), 0, -1):
        if lowered.endswith(tag[:size]):
            return size
    return 0
