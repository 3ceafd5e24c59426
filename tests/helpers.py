"""Checks shared by the answer tests: every sentence of an extractive answer is a verbatim
span of the passage it cites.

``unfaithful_sentences`` has the name and signature of
``se_assistant.evaluation.faithfulness.unfaithful_sentences`` (written in another branch); once
that module exists this file should import it instead of keeping its own copy.
"""

from __future__ import annotations

import json
import re

from se_assistant.models import Answer, Citation
from se_assistant.settings import Settings

# a sentence ends with one or more [n] markers, then a space or the end of the text
_CITED = re.compile(r"(?P<body>.+?)\s*(?P<marks>(?:\[\d+\])+)(?=\s|$)", re.DOTALL)
_MARK = re.compile(r"\[(\d+)\]")


def cited_sentences(text: str) -> list[tuple[str, list[int]]]:
    """The sentences of ``text`` with the citation numbers each ends with; text after the last
    marker comes as a sentence citing nothing."""
    found: list[tuple[str, list[int]]] = []
    end = 0
    for match in _CITED.finditer(text):
        found.append((match["body"].strip(), [int(n) for n in _MARK.findall(match["marks"])]))
        end = match.end()
    if text[end:].strip():
        found.append((text[end:].strip(), []))
    return found


def _headings(citation: Citation) -> set[str]:
    """The names a subject prefix may come from: the passage's own case, title, section
    (its "§ " locator) and breadcrumb parts."""
    names = {citation.title, citation.metadata.get("case", ""), citation.locator}
    if citation.locator.startswith("§ "):
        names.add(citation.locator[2:])
    names |= {part.strip() for part in re.split(r"\s*[>›/»]\s*", citation.breadcrumb)}
    return {n.strip() for n in names if n and n.strip()}


def _same_up_to_case_and_stop(sentence: str, span: str) -> bool:
    """``sentence`` is ``span`` up to the case of its first letter and an added final '.'."""
    if sentence and span and sentence[1:] == span[1:] and sentence[0].lower() == span[0].lower():
        return True
    return sentence.endswith(".") and _same_up_to_case_and_stop(sentence[:-1], span)


def _faithful_to(sentence: str, citation: Citation) -> bool:
    readings = [sentence]
    for heading in _headings(citation):
        if sentence.startswith(heading + ": "):
            readings.append(sentence[len(heading) + 2 :])
    return any(
        _same_up_to_case_and_stop(reading, highlight) and highlight in citation.quote
        for reading in readings
        for highlight in citation.highlights
    )


def unfaithful_sentences(answer: Answer) -> list[str]:
    """The sentences of an extractive, grounded ``answer`` that are not a verbatim span of
    the passage they cite: each sentence, without its [n] and without a leading "X: " subject
    prefix taken from the cited passage's heading, title, section or case, must equal (first
    letter's case and an added final "." aside) one of that citation's ``highlights``, and
    that highlight must be a substring of the citation's quote. A sentence citing no passage
    or a number that is not among the citations is unfaithful too."""
    by_number = {c.number: c for c in answer.citations}
    bad = []
    for sentence, numbers in cited_sentences(answer.text):
        cited = [by_number.get(n) for n in numbers]
        if not cited or None in cited or not any(_faithful_to(sentence, c) for c in cited):
            bad.append(sentence)
    return bad


def assert_faithful(answer: Answer) -> None:
    """Fail unless ``answer`` is grounded and faithful: extractive answers sentence by sentence
    (see :func:`unfaithful_sentences`); LLM answers by every [n] naming a given passage."""
    assert answer.grounded, f"refused: {answer.text}"
    assert answer.citations, "a grounded answer cites something"
    if answer.mode == "llm":
        numbers = {c.number for c in answer.citations}
        marks = {int(n) for n in _MARK.findall(answer.text)}
        assert marks and marks <= numbers, f"markers {marks} but citations {numbers}"
        return
    bad = unfaithful_sentences(answer)
    assert not bad, f"sentences not found verbatim in what they cite: {bad}"
    for citation in answer.citations:
        assert citation.source and citation.locator and citation.title


def assert_refused(answer: Answer) -> None:
    """A refusal: not grounded, nothing cited, no [n] in the text, related passages listed."""
    assert not answer.grounded, f"answered: {answer.text}"
    assert not answer.citations and not _MARK.search(answer.text)
    assert "does not answer" in answer.text
    assert answer.related, "a refusal lists the closest passages"


def assert_cites_only_committed_or_in_flight(
    settings: Settings, answers: list[Answer], hits: list[Citation] | tuple = ()
) -> int:
    """What is promised while an ingest is paused, or after one was killed: every cited or
    related chunk is in Chroma now, quoted as Chroma holds it, and is either committed (in
    the keyword index the last finished ingest built) or a chunk of a document the unfinished
    ingest names in its journal. Committed-only is NOT promised: the dense side queries
    Chroma, which holds the chunks an unfinished ingest already wrote (the new version of a
    file on disk). Never cited: a chunk no ingest wrote or one already deleted. Returns how
    many citations were checked."""
    from se_assistant.ingestion import JOURNAL_FILE, index_contents
    from se_assistant.store import open_collection

    contents = index_contents(settings)
    committed = set(contents.keyword)
    journal = settings.data_dir / JOURNAL_FILE
    in_flight = set(json.loads(journal.read_text())) if journal.exists() else set()
    citations = [c for a in answers for c in [*a.citations, *a.related]] + list(hits)
    ids = sorted({c.chunk_id for c in citations})
    got = open_collection(settings, fresh=True).get(ids=ids, include=["documents"])
    stored = dict(zip(got["ids"], got["documents"], strict=True))
    for citation in citations:
        chunk = citation.chunk_id
        assert chunk in stored, f"cites {chunk}, not in Chroma"
        assert stored[chunk] == citation.quote, f"{chunk} is quoted differently from Chroma"
        assert chunk in committed or chunk.rpartition(":")[0] in in_flight, (
            f"{chunk} is neither committed nor written by the ingest in flight")
    return len(citations)
