"""Faithfulness of answer sentences to the passages they cite, on hand-made answers."""

from __future__ import annotations

from se_assistant.evaluation.faithfulness import (
    claims,
    sentence_count,
    unfaithful_sentences,
    unsupported_sentences,
)
from se_assistant.models import Answer, Citation

FUNDING = "The Pfefferwerk Foundation was established with the terrain of the old brewery as its capital."
SLIDE = (
    "- Objective: promote social cohesion in the area through art and culture\n"
    "- created, inter alia: Cultural Park of Capo Peloro, Museum of Contemporary Art"
)


def _citation(number: int = 1, quote: str = FUNDING, highlights: tuple[str, ...] = (FUNDING,),
              **extra) -> Citation:
    fields = {"source": "cases/pfefferwerk.md", "title": "Pfefferwerk Foundation",
              "locator": "§ Funding and capital",
              "breadcrumb": "Pfefferwerk Foundation › Funding and capital",
              "metadata": {"case": "Pfefferwerk Foundation"}, **extra}
    return Citation(number=number, quote=quote, score=1.0, highlights=highlights, **fields)


def _answer(text: str, *citations: Citation, mode: str = "extractive",
            grounded: bool = True) -> Answer:
    return Answer(text=text, citations=list(citations) or [_citation()], grounded=grounded,
                  query="q", mode=mode)


def test_a_sentence_quoting_its_highlight_is_faithful():
    answer = _answer(f"{FUNDING} [1]")
    assert unfaithful_sentences(answer) == []
    assert sentence_count(answer) == 1


def test_a_negated_sentence_is_flagged_although_its_words_are_all_there():
    negated = FUNDING.replace("was established", "was not established")
    assert unfaithful_sentences(_answer(f"{negated} [1]")) == [negated]


def test_a_verbatim_span_that_is_no_highlight_is_flagged():
    span = "The Pfefferwerk Foundation was established with the terrain of the old brewery."
    citation = _citation(quote=f"{span[:-1]} as its capital. {span}", highlights=(FUNDING,))
    assert unfaithful_sentences(_answer(f"{span} [1]", citation)) == [span]


def test_a_highlight_missing_from_the_quote_is_flagged():
    citation = _citation(quote="Something else entirely.", highlights=(FUNDING,))
    assert unfaithful_sentences(_answer(f"{FUNDING} [1]", citation)) == [FUNDING]


def test_a_heading_prefix_a_capital_first_letter_and_an_added_full_stop_are_allowed():
    created = "created, inter alia: Cultural Park of Capo Peloro, Museum of Contemporary Art"
    citation = _citation(
        quote=SLIDE, highlights=("Objective: promote social cohesion in the area through art and "
                                 "culture", created),
        title="The role of clusters", locator="slide 3",
        breadcrumb="The role of clusters › Fondazione Horcynus Orca (Messina, IT)", metadata={},
    )
    text = ("Fondazione Horcynus Orca (Messina, IT): Objective: promote social cohesion in the "
            "area through art and culture. [1] Created, inter alia: Cultural Park of Capo "
            "Peloro, Museum of Contemporary Art. [1]")
    assert unfaithful_sentences(_answer(text, citation)) == []


def test_a_prefix_that_is_not_a_heading_of_the_cited_passage_is_flagged():
    text = f"Coopcity: {FUNDING} [1]"
    assert unfaithful_sentences(_answer(text)) == [f"Coopcity: {FUNDING}"]


def test_prefixes_from_the_title_and_the_case_metadata_are_allowed_case_insensitively():
    by_title = _citation(title="reves 2018", metadata={})
    by_case = _citation(title="Something", breadcrumb="", metadata={"case": "Pfefferwerk"})
    assert unfaithful_sentences(_answer(f"Reves 2018: {FUNDING} [1]", by_title)) == []
    assert unfaithful_sentences(_answer(f"Pfefferwerk: {FUNDING} [1]", by_case)) == []


def test_a_wrapped_line_in_the_passage_still_counts_as_the_same_words():
    wrapped = FUNDING.replace("terrain of the", "terrain of\nthe")
    citation = _citation(quote=wrapped, highlights=(wrapped,))
    assert unfaithful_sentences(_answer(f"{FUNDING} [1]", citation)) == []


def test_sentences_citing_nothing_or_a_missing_number_are_flagged():
    answer = _answer(f"{FUNDING} [2] Also this is true.")
    assert unfaithful_sentences(answer) == [FUNDING, "Also this is true."]
    assert sentence_count(answer) == 2


def test_a_sentence_citing_two_passages_needs_to_quote_one_of_them():
    other = _citation(number=2, quote="Other text.", highlights=("Other text.",))
    assert unfaithful_sentences(_answer(f"{FUNDING} [1][2]", _citation(), other)) == []
    assert unfaithful_sentences(_answer("Other text. [1]", _citation(), other)) == ["Other text."]


def test_refusals_and_llm_answers_are_not_checked_for_quotes():
    refusal = _answer("The material does not answer this question.", grounded=False)
    assert unfaithful_sentences(refusal) == [] and sentence_count(refusal) == 0
    llm = _answer("The brewery land was its capital. [1]", mode="llm")
    assert unfaithful_sentences(llm) == [] and sentence_count(llm) == 0


def test_claims_split_on_marker_groups_and_keep_multi_sentence_quotes_whole():
    text = "Clusters have to serve a territory! How can they do that? [1] Next one. [2, 3]"
    assert claims(text) == [("Clusters have to serve a territory! How can they do that?", [1]),
                            ("Next one.", [2, 3])]


def test_llm_sentences_are_supported_when_their_content_words_are_in_the_cited_passage():
    answer = _answer("The foundation's capital was the terrain of the old brewery. [1] "
                     "It also ran a famous bakery. [1] Unreferenced claim here.", mode="llm")
    assert unsupported_sentences(answer) == ["It also ran a famous bakery.",
                                             "Unreferenced claim here."]
