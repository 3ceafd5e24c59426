"""Questions as bad input: cleaned, or refused with a one-line error."""

from __future__ import annotations

import re
import unicodedata

from se_assistant.errors import QuestionError

_TAG = re.compile(r"<[^>]{0,200}>")
# what a pasted script or style holds is code, not words of the question
_CODE = re.compile(r"<(script|style)\b[^>]{0,200}>.{0,2000}?</\1\s*>", re.IGNORECASE | re.DOTALL)
# terminal colour and cursor codes ("\x1b[31m") pasted from a console
_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")
_SPACE = re.compile(r"\s+")


def clean_question(raw: object, max_chars: int) -> str:
    """The question as searched: control characters and markup tags removed, spaces collapsed."""
    if not isinstance(raw, str):
        raise QuestionError(f"the question must be text, not {type(raw).__name__}")
    if len(raw) > max_chars:
        raise QuestionError(
            f"the question is {len(raw):,} characters long; ask it in under {max_chars:,} characters"
        )
    text = _CODE.sub(" ", _ANSI.sub(" ", raw))
    text = "".join(
        " " if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co") else ch for ch in text
    )
    text = _SPACE.sub(" ", _TAG.sub(" ", text)).strip()
    # an emoji alone ("👍") is a reply in a chat, not an empty question
    if not any(ch.isalnum() or unicodedata.category(ch) == "So" for ch in text):
        raise QuestionError("the question is empty; type a question about the material")
    return text
