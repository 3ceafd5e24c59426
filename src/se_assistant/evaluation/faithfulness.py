"""Is every sentence of an answer backed by the passage it cites? Pure functions over
:class:`~se_assistant.models.Answer`, shared by the eval metrics and the tests.

Extractive answers (:func:`unfaithful_sentences`) must quote: each sentence, without its ``[n]``
markers and a subject prefix taken from the cited passage's own headings, is a verbatim span of
that passage and one of its highlights. LLM answers (:func:`unsupported_sentences`) may
paraphrase, so only their content words are checked against the cited passages."""

from __future__ import annotations

import re
from collections.abc import Iterable

from se_assistant import lexical
from se_assistant.evaluation.metrics import split_sentences
from se_assistant.models import Answer, Citation

_MARKERS = re.compile(r"\[(\d+(?:\s*[,;]\s*\d+)*)\]")
# A claim of an extractive answer: text up to and including the marker group that cites it.
_CLAIM = re.compile(r"(.*?)((?:\s*\[\d+(?:\s*[,;]\s*\d+)*\])+)", re.S)
# Presentation added by the answer, not content: a Markdown list marker at the start.
_LIST_MARKER = re.compile(r"^(?:[-*•]\s+)")
# Separators of heading paths ("Coopcity › Programmes") and locators ("§ Programmes").
_PATH_SEPARATORS = re.compile(r"\s+[›>/|·»]\s+")
_LOCATOR_MARK = re.compile(r"^(?:§\s*)")
# Metadata fields whose value may stand as a sentence's subject prefix.
_SUBJECT_FIELDS = ("case", "subject", "section", "heading", "heading_path", "title")


def _space(text: str) -> str:
    """Runs of white space as one space (a wrapped line is not a different text)."""
    return " ".join(text.split())


def claims(text: str) -> list[tuple[str, list[int]]]:
    """An extractive answer cut into claims: (text without markers, cited numbers). Text after
    the last marker group is a claim citing nothing."""
    found: list[tuple[str, list[int]]] = []
    end = 0
    for match in _CLAIM.finditer(text):
        numbers = [int(n) for group in _MARKERS.findall(match.group(2))
                   for n in re.split(r"[,;]", group)]
        found.append((_space(match.group(1)), numbers))
        end = match.end()
    rest = _space(text[end:])
    if any(ch.isalnum() for ch in rest):
        found.append((rest, []))
    return [(claim, numbers) for claim, numbers in found if any(ch.isalnum() for ch in claim)]


def subject_names(citation: Citation) -> set[str]:
    """What a sentence citing ``citation`` may name as its "X: " prefix: the passage's title,
    its section (locator), every element of its heading path and its subject metadata; compared
    case-insensitively."""
    names = {citation.title}
    names.add(_LOCATOR_MARK.sub("", citation.locator))
    names.update(_PATH_SEPARATORS.split(citation.breadcrumb))
    for key in _SUBJECT_FIELDS:
        value = citation.metadata.get(key)
        if isinstance(value, str):
            names.add(value)
            names.update(_PATH_SEPARATORS.split(value))
    # a heading "Wish list:" stands as the prefix "Wish list: ..."
    return {_space(n).rstrip(":").strip().casefold() for n in names if n and n.strip()}


def _without_prefix(sentence: str, names: set[str]) -> list[str]:
    """``sentence`` and, when it starts with "X: " for a subject name X, the rest after it."""
    variants = [sentence]
    head, sep, rest = sentence.partition(": ")
    if sep and _space(head).rstrip(":").strip().casefold() in names and rest.strip():
        variants.append(rest.strip())
    return variants


def _spellings(text: str) -> list[str]:
    """The quoted forms ``text`` may stand for: as is, without an added final ".", each with
    the first letter's case swapped."""
    forms = [text]
    if text.endswith(".") and len(text) > 1:
        forms.append(text[:-1].rstrip())
    out: list[str] = []
    for form in forms:
        out.append(form)
        if form and form[0].isalpha():
            out.append(form[0].swapcase() + form[1:])
    return out


def quotes_citation(sentence: str, citation: Citation) -> bool:
    """Whether ``sentence`` (markers already removed) quotes ``citation`` exactly: after an
    optional subject prefix, it is a verbatim span of the passage and equals a highlight."""
    quote = _space(citation.quote)
    highlights = {_space(h) for h in citation.highlights}
    for variant in _without_prefix(sentence, subject_names(citation)):
        for form in _spellings(variant):
            if form and form in quote and form in highlights:
                return True
    return False


def unfaithful_sentences(answer: Answer) -> list[str]:
    """The sentences of a grounded extractive answer that do not quote what they cite (each as
    written, markers removed). A sentence citing nothing, or a number with no citation, is
    unfaithful. Refusals and LLM answers have none (see :func:`unsupported_sentences`)."""
    if not answer.grounded or answer.mode == "llm":
        return []
    by_number = {c.number: c for c in answer.citations}
    bad: list[str] = []
    for claim, numbers in claims(answer.text):
        sentence = _LIST_MARKER.sub("", claim)
        cited = [by_number[n] for n in numbers if n in by_number]
        if not any(quotes_citation(sentence, c) for c in cited):
            bad.append(claim)
    return bad


def sentence_count(answer: Answer) -> int:
    """How many claims :func:`unfaithful_sentences` checks in ``answer``."""
    if not answer.grounded or answer.mode == "llm":
        return 0
    return len(claims(answer.text))


def _content(text: str) -> set[str]:
    return set(lexical.content_terms(text))


def unsupported_sentences(answer: Answer, sentences: Iterable[str] | None = None) -> list[str]:
    """The sentences of a grounded LLM answer with a content word (stemmed, stop words left
    out) that none of its cited passages contains (its text, title or heading path); a
    sentence citing nothing is unsupported.
    ``sentences`` defaults to the answer's sentences as the eval splits them."""
    if not answer.grounded:
        return []
    if sentences is None:
        sentences = split_sentences(answer.text)
    by_number = {c.number: c for c in answer.citations}
    bad: list[str] = []
    for sentence in sentences:
        numbers = {int(n) for group in _MARKERS.findall(sentence) for n in re.split(r"[,;]", group)}
        cited = [by_number[n] for n in numbers if n in by_number]
        words = _content(_MARKERS.sub(" ", sentence))
        known = set().union(*(_content(f"{c.title} {c.breadcrumb} {c.quote}") for c in cited))
        if not cited or not words <= known:
            bad.append(_space(_MARKERS.sub("", sentence)))
    return bad
