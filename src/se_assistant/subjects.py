"""What a section is about, read off its headings: a heading that names something ("Coopcity
(Brussels, BE)", "Pfefferwerk Foundation", "ACME GmbH") gives the section its subject, with
the places or alias in its parenthesis; a heading that names a topic ("Objective", "Who is
involved", "Wish list") does not. Front matter may add aliases and places, never needed."""

from __future__ import annotations

import re
from dataclasses import dataclass

# "I. Title", "2) Title", "Slide 3: Title": numbering before a heading is not part of its name
_NUMBERING = re.compile(r"^\s*(?:(?:[IVXLC]+|\d+|[A-Z])[.)]|slide\s+\d+\s*[:.\-–—]?)\s+", re.I)
_PART_NUMBER = re.compile(r"^\s*(?:[IVXLC]+|\d+)[.)]\s+\S")
_PAREN = re.compile(r"^(?P<name>.*?)\s*\((?P<inner>[^()]*)\)\s*[:.]?\s*$")
_WORD = re.compile(r"[\w’'&.-]+", re.UNICODE)
_QUOTES = "\"“”„«»'‘’"
# Small words that stay lower case inside a name ("Impuls Cooperatiu de Sants", "Bank of X")
_NAME_JOINERS = frozenset(
    [
        "of",
        "the",
        "and",
        "for",
        "de",
        "del",
        "della",
        "di",
        "da",
        "du",
        "des",
        "la",
        "le",
        "les",
        "van",
        "von",
        "der",
        "den",
        "y",
        "e",
        "et",
        "und",
        "zu",
        "a",
        "an",
        "in",
        "on",
    ]
)


@dataclass(frozen=True)
class Subject:
    """Something a section is about: its ``name``, other ``aliases`` and the ``places`` a
    heading qualifies it with ("Brussels", "BE")."""

    name: str
    aliases: tuple[str, ...] = ()
    places: tuple[str, ...] = ()


def is_numbered(heading: str) -> bool:
    """Whether a heading is numbered as a part of its document ("I. Title", "2) Title")."""
    return bool(_PART_NUMBER.match(heading))


def clean_heading(heading: str) -> str:
    """The heading without numbering, quotes around it or a trailing colon."""
    text = _NUMBERING.sub("", heading.strip()).strip().rstrip(":").strip()
    if len(text) > 1 and text[0] in _QUOTES and text[-1] in _QUOTES:
        text = text[1:-1].strip()
    return text


def subject_of(heading: str) -> Subject | None:
    """The subject a heading names, or None when it names a topic rather than a thing."""
    text = clean_heading(heading)
    if not text or len(text) > 90:
        return None
    places: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    match = _PAREN.match(text)
    if match and match.group("name").strip():
        name = match.group("name").strip().strip(_QUOTES).rstrip(":,").strip()
        inner = [p.strip() for p in match.group("inner").split(",") if p.strip()]
        if len(inner) >= 2 and all(_capitalised(p) for p in inner):
            places = tuple(inner)  # "(Messina, IT)": where it is
        elif len(inner) == 1 and _is_name(inner[0]):
            aliases = (inner[0],)  # "(REVES aisbl)": another name for it
    else:
        name = text
    if not _is_name(name) and not places:
        return None
    if not _capitalised(name):
        return None
    return Subject(name=name, aliases=aliases, places=places)


def _capitalised(text: str) -> bool:
    first = next((ch for ch in text if ch.isalnum()), "")
    return bool(first) and (first.isupper() or first.isdigit())


def _is_name(text: str) -> bool:
    """A proper name rather than a phrase: a capitalised word after the first, an acronym or
    an inner capital ("CoopCity"), with no sentence punctuation."""
    if re.search(r"[!?;]|\.\s", text):
        return False
    tokens = _WORD.findall(text)
    if not tokens or len(tokens) > 10:
        return False
    if any(len(t) >= 2 and t.isupper() and any(c.isalpha() for c in t) for t in tokens):
        return True
    if any(any(c.isupper() for c in t[1:]) and any(c.islower() for c in t) for t in tokens):
        return True
    later = [t for t in tokens[1:] if t.lower() not in _NAME_JOINERS]
    return bool(later) and all(t[:1].isupper() or t[:1].isdigit() for t in later)
