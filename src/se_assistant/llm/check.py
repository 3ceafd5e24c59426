"""Checks a model's answer against the passages it was given: every [n] must name one of them,
and a sentence that cites none is left out. Markers are renumbered to the cited passages."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# [1], [1, 2], [1; 3], [1-3], [passage 2]
_MARKER = re.compile(
    r"\[\s*(?:passages?\s*)?(\d+(?:\s*(?:[,;]|[-–]|and)\s*\d+)*)\s*\]", re.IGNORECASE
)
_NUMBERS = re.compile(r"(\d+)(?:\s*[-–]\s*(\d+))?")
# A sentence ends at . ! ? (and the markers right after it) when a capital follows. Hand-written
# because punkt, the splitter llama-index bundles, splits after "e.g." and ignores line breaks.
_BOUNDARY = re.compile(r"[.!?][\"”’)]*(?:\s*\[[^\]\n]{1,20}\])*(?=\s+[\"“(]?[A-ZÀ-Ý])")
_BULLET = re.compile(r"^\s*(?:[-*+•]|\d+[.)])\s+")


@dataclass(frozen=True)
class CitationCheck:
    """The outcome of checking an answer.

    ``text`` keeps the sentences with valid markers, renumbered so that ``[k]`` is the passage
    numbered ``cited[k-1]`` in the prompt; ``dropped`` are sentences citing nothing;
    ``invalid`` are cited numbers that name no given passage."""

    text: str
    cited: list[int] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    invalid: list[int] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.invalid and bool(self.cited) and bool(self.text.strip())


def markers(text: str) -> list[int]:
    """Every passage number cited in ``text``, in order, repeats included."""
    return [n for m in _MARKER.finditer(text) for n in _expand(m.group(1))]


def split_sentences(line: str) -> list[str]:
    """The sentences of one line, each keeping the markers that follow its full stop."""
    pieces, pos = [], 0
    for m in _BOUNDARY.finditer(line):
        pieces.append(line[pos:m.end()].strip())
        pos = m.end()
    pieces.append(line[pos:].strip())
    return [p for p in pieces if p]


def check_citations(text: str, n_passages: int) -> CitationCheck:
    """Check ``text`` (a model's answer) against ``n_passages`` numbered passages."""
    invalid = sorted({n for n in markers(text) if not 1 <= n <= n_passages})
    lines: list[str] = []
    dropped: list[str] = []
    renumber: dict[int, int] = {}
    for raw in text.strip().splitlines():
        bullet = _BULLET.match(raw)
        prefix = bullet.group(0).lstrip() if bullet else ""
        body = raw[bullet.end():] if bullet else raw
        kept = []
        for sentence in split_sentences(body):
            cited = markers(sentence)
            if not cited or any(not 1 <= n <= n_passages for n in cited):
                dropped.append(sentence)
                continue
            for n in cited:
                renumber.setdefault(n, len(renumber) + 1)
            kept.append(_MARKER.sub(lambda m: _renumbered(m, renumber), sentence))
        if kept:
            lines.append(prefix + " ".join(kept))
        elif not raw.strip() and lines and lines[-1]:
            lines.append("")
    return CitationCheck(
        text="\n".join(lines).strip(),
        cited=list(renumber),
        dropped=[d for d in dropped if any(c.isalnum() for c in d)],
        invalid=invalid,
    )


def _expand(group: str) -> list[int]:
    numbers: list[int] = []
    for m in _NUMBERS.finditer(group):
        start, end = int(m.group(1)), int(m.group(2) or m.group(1))
        numbers += list(range(start, end + 1)) if 0 <= end - start <= 20 else [start, end]
    return numbers


def _renumbered(m: re.Match[str], renumber: dict[int, int]) -> str:
    new = list(dict.fromkeys(renumber[n] for n in _expand(m.group(1))))
    return "[" + ", ".join(str(n) for n in new) + "]"
