"""Checks shared by the answer tests: every sentence of an extractive answer is a verbatim
span of the passage it cites (the eval's own rule, ``unfaithful_sentences``), refusals are
plain, and what may be cited while an ingest is unfinished."""

from __future__ import annotations

import re

from se_assistant.evaluation.faithfulness import unfaithful_sentences
from se_assistant.models import Answer, Citation
from se_assistant.settings import Settings

_MARK = re.compile(r"\[(\d+)\]")


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
    from se_assistant.index_state import read_journal
    from se_assistant.ingestion import index_contents
    from se_assistant.store import open_collection

    contents = index_contents(settings)
    committed = set(contents.keyword)
    in_flight = read_journal(settings.data_dir)
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


# Questions a load test spreads over its clients: answered ones across the cases, and one the
# material refuses (off topic).
LOAD_QUESTIONS = (
    "how was Pfefferwerk funded?",
    "Where is Coopcity?",
    "Who launched Impuls Cooperatiu de Sants?",
    "What does Realis offer to social enterprises?",
    "What is Horcynus Orca?",
    "Which clusters are in Spain?",
    "What role do regions play in scaling up?",
    "What is the capital of Australia?",
)
