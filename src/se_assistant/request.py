"""One question as the pipeline answers it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Request:
    """What to answer: ``question`` as the user typed it (cleaned once, its length checked),
    ``query`` the standalone question to search (a chat's rewrite of a follow-up; the
    question itself otherwise), the metadata ``filters``, and ``llm_unavailable``: why the
    language model is known to be unreachable ("" when it is not known to be); ``subjects``:
    what the conversation is about, asked of when the question alone is not answered
    ("what was on the site before?" after a turn about one case)."""

    question: str
    query: str
    filters: dict[str, Any] | None = None
    llm_unavailable: str = ""
    subjects: tuple[str, ...] = ()
