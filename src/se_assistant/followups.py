"""Follow-up questions made standalone without a language model: pronouns and elliptical
questions ("And REALIS?") are resolved against the cases the conversation is about."""

from __future__ import annotations

import re

_LEAD = re.compile(r"^\s*(?:and|so|ok|okay|also|then|but|now)\b[\s,]*", re.IGNORECASE)
_WHAT_ABOUT = re.compile(r"^\s*(?:and\s+)?(?:what|how)\s+about\b\s*", re.IGNORECASE)
_POSSESSIVE = re.compile(r"\b(its|their|his|her)\b", re.IGNORECASE)
_IT_IS = re.compile(r"\bit's\b|\bit is\b", re.IGNORECASE)
_THERE = re.compile(r"\b(?:over\s+)?there\b", re.IGNORECASE)
_REFERENCE = re.compile(
    r"\b(?:this|that)\s+(?!list\b|question\b)[a-z]+\b|"
    r"\bthe\s+(?:one|same|organi[sz]ation|group|project|initiative|foundation|network)\b|"
    r"\b(?:it|they|them|he|she|him)\b",
    re.IGNORECASE,
)


# "who else is involved besides the region?": words that say the question goes on about the
# subject at hand, though they name it no more than "it" would
_CONTINUES = re.compile(
    r"\b(?:else|besides|apart\s+from|other\s+than|as\s+well|too|either|in\s+addition|"
    r"(?:which|what|that|this)\s+ones?)\b",
    re.IGNORECASE,
)
# "compare that with B", "how does B compare?", "and B, by comparison?"
_COMPARES = re.compile(
    r"\b(?:compare[ds]?|comparing|comparison|versus|vs|differ|differs|difference|contrast)\b",
    re.IGNORECASE,
)
# a capitalised word after the first: the question names its own subject ("Contact REVES?")
_NAME = re.compile(r"\b(?:[A-Z]{2,}|[A-Z][a-z]+[A-Z]\w*|[A-Z][a-z]{2,})\b")


def is_elliptical(question: str) -> bool:
    """Whether ``question`` leaves out what it asks ("and the one in Germany?", "the French
    one?"): it is short and says "one", or starts as a follow-up does."""
    return len(question.split()) <= 6 and bool(
        re.search(r"\bones?\b", question, re.IGNORECASE) or _LEAD.match(question)
        or _WHAT_ABOUT.match(question)
    )


def has_reference(question: str) -> bool:
    return bool(
        _REFERENCE.search(question) or _POSSESSIVE.search(question) or _IT_IS.search(question)
        or _THERE.search(question)
    )


def resolve(question: str, focus: list[str], previous_query: str | None,
            previous_focus: list[str], mentions: list[str]) -> str:
    """The standalone form of ``question``.

    ``focus``: the cases the conversation is about; ``mentions``: the cases the question
    names itself; ``previous_query``: the last standalone question.
    """
    q = question.strip()
    if mentions and previous_query and previous_focus and _COMPARES.search(q):
        # "compare that with B" after a question about A: the same question of A and B
        return _swap(previous_query, previous_focus,
                     " and ".join(dict.fromkeys([*focus, *mentions])))
    if mentions:
        # "and for Pfefferwerk?", "and in Zeta?": a preposition before the name asks nothing new
        rest = _WHAT_ABOUT.sub("", _LEAD.sub("", q)).strip(" ?.!")
        rest = re.sub(r"^(?:for|in|with|of|at|from|on)\s+", "", rest, flags=re.IGNORECASE)
        # "And Pfefferwerk?" names "Pfefferwerk Foundation" by a shorter name
        only_names = rest and all(
            not part.strip() or any(
                f" {part.strip().lower()} " in f" {m.lower()} " for m in mentions
            )
            for part in re.split(r",|\band\b", rest)
        )
        if only_names and previous_query and previous_focus:
            return _swap(previous_query, previous_focus, " and ".join(mentions))
        return _capitalise(_LEAD.sub("", q))
    if not focus:
        return q
    subject = " and ".join(focus)
    if has_reference(q):
        q = _LEAD.sub("", q)
        q = _IT_IS.sub(f"{subject} is", q)
        q = _POSSESSIVE.sub(f"{subject}'s", q)
        q = _REFERENCE.sub(subject, q, count=1)
        q = _REFERENCE.sub(subject, q)
        q = _THERE.sub(f"in {subject}", q)
        return _capitalise(q)
    names_own_subject = bool(_NAME.search(q.split(" ", 1)[1] if " " in q else ""))
    if not names_own_subject and (
        len(q.split()) <= 5 or _LEAD.match(question) or _WHAT_ABOUT.match(question)
        or _CONTINUES.search(q)
    ):
        body = _WHAT_ABOUT.sub("", _LEAD.sub("", q)).rstrip(" ?.!")
        return _capitalise(f"{body} ({subject})?")
    return q


def _swap(previous_query: str, previous_focus: list[str], new_subject: str) -> str:
    """The last question of ``new_subject``: its first name for the last subject becomes the
    new subject, any other is dropped (one pass, so the new name is never matched again)."""
    names = sorted({n for n in previous_focus if n.strip()}, key=len, reverse=True)
    if not names:
        return f"{previous_query.rstrip(' ?')} ({new_subject})?"
    pattern = re.compile(
        r"(?<!\w)(?:" + "|".join(re.escape(n) for n in names) + r")(?!\w)", re.IGNORECASE)
    seen = []

    def swap(_: re.Match) -> str:
        seen.append(1)
        return new_subject if len(seen) == 1 else ""

    out = pattern.sub(swap, previous_query)
    out = re.sub(r"\s+(?=['’]s\b|[?.,!])", "", " ".join(out.split()))
    return out if seen else f"{previous_query.rstrip(' ?')} ({new_subject})?"


def about_section(question: str, section: str) -> str:
    """A follow-up about a part of the material that names no subject ("who is quoted there?"
    after an answer from the wish list): "there" is that part, or the part is added."""
    if not section or not has_reference(question):
        return question
    if _THERE.search(question):
        return _THERE.sub(f"in the {section}", question, count=1)
    return f"{question.rstrip(' ?')} ({section})?"


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text
