"""Passages cut into answerable units: the heading line, bullets, "Label: value" lines and
sentences, each a verbatim span of the passage."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

# one or more list markers: "- ", "• ", "⇒ ", "1. ", and stacked ones such as "- ⇒ "
_BULLET = re.compile(r"^\s*(?:(?:[-*+•▪◦●■►➢⇒→–]|\d{1,2}[.)])\s+)+")
# a sentence ends at . ! ? before a capital, not after a part number ("III. Clusters ...")
_SENTENCE_END = re.compile(
    r"(?<!^[IVXLC]\.)(?<!^[IVXLC]{2}\.)(?<!^[IVXLC]{3}\.)(?<!^[IVXLC]{4}\.)(?<=[.!?])[\"”’)]?\s+"
    r"(?=[A-Z“\"(ÀÉÈÒÓÍÚ])"
)
_LABEL = re.compile(r"^([A-Za-z][\w ,'’/()-]{1,40}?)\s*:\s+\S")
_LABEL_ONLY = re.compile(r"^\w+(?:\s+\w+){0,3}\s*:$")


@dataclass(frozen=True)
class Unit:
    """A sentence or bullet of a passage: ``text`` is a verbatim substring of the passage.
    ``heading`` marks a heading line leading the passage; ``label`` is the "Label" of a
    "Label: value" unit, lower-cased ("" when it has none)."""

    text: str
    start: int
    bullet: bool
    heading: bool = False
    label: str = ""


def split_units(passage: str, headings: str | Iterable[str] = ()) -> list[Unit]:
    """The units of ``passage`` in order; its leading lines equal to one of ``headings`` (the
    passage's heading path) are heading units."""
    wanted = {headings.strip()} if isinstance(headings, str) else {h.strip() for h in headings}
    wanted.discard("")
    units: list[Unit] = []
    offset = 0
    for line in passage.splitlines(keepends=True):
        stripped = line.strip()
        line_start = offset
        offset += len(line)
        if not stripped:
            continue
        if stripped in wanted and all(u.heading for u in units):
            units.append(Unit(stripped, line_start + line.index(stripped), False, heading=True))
            continue
        marker = _BULLET.match(line)
        if marker:
            body = line[marker.end() :].rstrip()
            units.append(Unit(body, line_start + marker.end(), True, label=_label(body)))
            continue
        body_start = line_start + (len(line) - len(line.lstrip()))
        body = line.strip()
        if _LABEL_ONLY.match(body):  # "Speaker notes:" names what follows and says nothing
            continue
        label = _label(body)
        if label:  # "Objective: ..." is one unit, whatever its sentences
            units.append(Unit(body, body_start, False, label=label))
            continue
        pos = 0
        for match in _SENTENCE_END.finditer(body):
            piece = body[pos : match.start() + 1].strip()
            if piece:
                units.append(Unit(piece, body_start + body.index(piece, pos), False))
            pos = match.end()
        tail = body[pos:].strip()
        if tail:
            units.append(Unit(tail, body_start + body.index(tail, pos), False))
    return [u for u in units if len(u.text) > 2 and any(c.isalnum() for c in u.text)]


def _label(text: str) -> str:
    match = _LABEL.match(text)
    if not match or "http" in match.group(1).lower():
        return ""
    return match.group(1).strip().lower()
