"""Passages cut into answerable units: bullets and sentences, each a verbatim span."""

from __future__ import annotations

import re
from dataclasses import dataclass

_BULLET = re.compile(r"^\s*(?:[-*+•⇒]|\d+[.)])\s+")
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"”’)]?\s+(?=[A-Z“\"(ÀÉÈÒÓÍÚ])")


@dataclass(frozen=True)
class Unit:
    """A sentence or bullet of a passage: ``text`` is a verbatim substring of the passage."""

    text: str
    start: int
    bullet: bool


def split_units(passage: str) -> list[Unit]:
    units: list[Unit] = []
    offset = 0
    for line in passage.splitlines(keepends=True):
        stripped = line.strip()
        line_start = offset
        offset += len(line)
        if not stripped:
            continue
        marker = _BULLET.match(line)
        if marker:
            body = line[marker.end() :].rstrip()
            units.append(Unit(body, line_start + marker.end(), True))
            continue
        body_start = line_start + (len(line) - len(line.lstrip()))
        body = line.strip()
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
