"""The parts a document files its subjects under ("I. Clusters started by citizens" holding
"Acme (Lyon, FR)" and "Beta (Rome, IT)"), read off the heading paths of the chunks. They answer
"Which X are citizen initiatives?" with every subject of the part, retrieved or not, and "What
kinds of X are there?" with the parts themselves. Found once per index generation."""

from __future__ import annotations

import re
from collections.abc import Iterable

from se_assistant.answering import calibration as cal
from se_assistant.models import BREADCRUMB_SEP

# "What kinds of clusters ...?", "which types of project", "the categories of": the question
# asks for the parts, not for subjects
KINDS_QUESTION = re.compile(
    r"\b(?:kinds?|types?|categor(?:y|ies)|sorts?|groups?|classes|families)\s+of\b", re.IGNORECASE
)


# "In which part of the talk is X?", "Under what heading is X?": the part a subject is filed
# under is asked (not "which part of Berlin", a part of something else)
PART_QUESTION = re.compile(
    r"\b(?:which|what)\s+(?:part|section|chapter|category|heading|strand)s?\b(?!\s+of\s+(?!"
    r"(?:the|this|that)\s+(?:talk|presentation|deck|document|report|slides?|material)\b))|"
    r"\bunder\s+(?:which|what)\b",
    re.IGNORECASE,
)


# "the second type of cluster", "category III", "the last part": one part, by its place
ORDINALS = {
    "first": 1, "1st": 1, "one": 1, "i": 1, "1": 1, "second": 2, "2nd": 2, "two": 2, "ii": 2,
    "2": 2, "third": 3, "3rd": 3, "three": 3, "iii": 3, "3": 3, "fourth": 4, "4th": 4, "four": 4,
    "iv": 4, "4": 4, "fifth": 5, "5th": 5, "five": 5, "v": 5, "5": 5,
}
_PART_NOUN = r"(?:kind|type|category|group|part|section|sort|class|strand)"
NTH_PART = re.compile(
    rf"\b(first|second|third|fourth|fifth|last|1st|2nd|3rd|4th|5th)\s+(?:[\w-]+\s+)?{_PART_NOUN}\b|"
    rf"\b{_PART_NOUN}\s+(?:number\s+)?(one|two|three|four|five|[1-5]|i{{1,3}}|iv|v)\b",
    re.IGNORECASE,
)


def outer_headings(metadata: dict) -> list[str]:
    """The headings above a chunk's own, below its document's title."""
    crumbs = str(metadata.get("breadcrumb", "")).split(BREADCRUMB_SEP)
    return [h for h in crumbs[1:-1] if h.strip()]


def subjects_of(passages: Iterable) -> list:
    """The first passage of each subject, in reading order (at most ``cal.PARTS_MAX_CHUNKS``
    chunks are read)."""
    first: dict[str, object] = {}
    for count, p in enumerate(passages):
        if count >= cal.PARTS_MAX_CHUNKS:
            return []
        case = str(p.metadata.get("case", "") or "")
        if case:
            first.setdefault(case, p)
    return list(first.values())


def parts_of(passages: Iterable) -> dict[str, list]:
    """Outer heading -> the first passage of each subject under it, in reading order.
    Indexes over ``cal.PARTS_MAX_CHUNKS`` chunks are not read (the map is for documents with
    a handful of parts, read on every new generation)."""
    parts: dict[str, list] = {}
    seen: set[tuple[str, str]] = set()
    for count, p in enumerate(passages):
        if count >= cal.PARTS_MAX_CHUNKS:
            return {}
        case = str(p.metadata.get("case", "") or "")
        if not case:
            continue
        for heading in outer_headings(p.metadata):
            if (heading, case) not in seen:
                seen.add((heading, case))
                parts.setdefault(heading, []).append(p)
    return parts
