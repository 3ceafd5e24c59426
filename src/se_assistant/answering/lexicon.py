"""General English a question is asked in: word families that mean the same thing to a reader
("goal" = "objective", "members" = "partners"), the verbs of founding, and the words of contact
questions. Nothing here is about any one corpus."""

from __future__ import annotations

import re

from se_assistant.lexical import stem

_FAMILIES = (
    ("goal", "aim", "objective", "purpose", "mission", "target", "intent", "intention"),
    ("member", "partner", "participant", "structure", "organisation", "organization", "player",
     "actor", "stakeholder"),
    ("found", "establish", "create", "creation", "establishment", "launch", "set", "setup"),
    ("fund", "finance", "financing", "capital", "money", "funding"),
    ("help", "support", "assist"),
    ("run", "offer", "provide", "organise", "organize", "hold"),
    ("programme", "program", "scheme"),
    ("city", "town", "place", "location", "locate", "base", "region"),
    ("company", "enterprise", "business", "firm"),
)
SYNONYMS: dict[str, frozenset[str]] = {}
for _family in _FAMILIES:
    _stems = frozenset(stem(w) for w in _family)
    for _s in _stems:
        SYNONYMS[_s] = SYNONYMS.get(_s, frozenset()) | _stems

# "When was it founded?": a date answers only in a sentence about the founding
FOUNDING = frozenset(stem(w) for w in (
    "found", "founded", "establish", "established", "create", "created", "creation", "launch",
    "launched", "start", "started", "set", "begin", "began", "open", "opened", "incorporate",
    "register", "registered", "establishment", "founding", "birth",
))
_CONTACT_QUESTION = re.compile(
    r"\b(?:e-?mail|mail|phone|telephone|contact|reach|website|web\s*site|address|url|in\s+touch|"
    r"fax|call|write\s+to)\b",
    re.IGNORECASE,
)
CONTACT_DETAIL = re.compile(
    r"[\w.+-]+@[\w-]+\.[\w.]+|\bwww\.[\w-]+\.\w+|https?://\S+|\+?\d[\d ()/.-]{6,}\d"
)


def synonyms(term: str) -> frozenset[str]:
    """Stems that mean the same as ``term`` (a stem), itself included."""
    return SYNONYMS.get(term, frozenset()) | {term}


def asks_contact(question: str) -> bool:
    """Whether the question asks how to reach someone (e-mail, phone, website, address)."""
    return bool(_CONTACT_QUESTION.search(question))
