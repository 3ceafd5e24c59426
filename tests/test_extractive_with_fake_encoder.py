"""The extractive answerer through its real interface (an Encoder and a Catalog) on a few
hand-made passages, with the model replaced by the FakeEncoder beside the Encoder Protocol:
fast tests of the answering rules (which unit answers, when to refuse), no model, no Chroma.
The catalog is learned from a real bm25s index over the same passages."""

from __future__ import annotations

import numpy as np
import pytest

from se_assistant.answering.extractive import ExtractiveAnswerer
from se_assistant.answering.question import analyse
from se_assistant.embedding import Encoder, FakeEncoder
from se_assistant.keyword_index import KeywordIndex
from se_assistant.lexical import TOKEN_PATTERN, FoldingStemmer, fold, stem, words
from se_assistant.retrieval import Catalog
from se_assistant.retrieval.passage import from_record

ENTRIES = [
    {"node_id": "acme-1", "case": "Acme Works", "city": "Lyon", "country": "FR",
     "section": "Acme Works", "text": "Acme Works was founded in 2009 by three bakers. "
     "It repairs bicycles for the neighbourhood."},
    {"node_id": "acme-2", "case": "Acme Works", "city": "Lyon", "country": "FR",
     "section": "Funding", "text": "The workshop is funded by the city council and by "
     "membership fees."},
    {"node_id": "zeta-1", "case": "Zeta Lab", "city": "Ghent", "country": "BE",
     "section": "Zeta Lab", "text": "Zeta Lab trains young people of the neighbourhood in carpentry. "
     "It was launched by a housing cooperative."},
]


def keyword_index(entries: list[dict]) -> KeywordIndex:
    """A bm25s index over ``entries`` tokenised as ingestion does (folding stemmer)."""
    import bm25s

    tokens = bm25s.tokenize(
        [e["text"] for e in entries], stopwords="en", stemmer=FoldingStemmer(),
        token_pattern=TOKEN_PATTERN, show_progress=False,
    )
    model = bm25s.BM25()
    model.index(tokens, show_progress=False)
    return KeywordIndex(bm25=model, corpus=entries)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    learned = Catalog()
    learned.learn(keyword_index(ENTRIES), generation=1)
    return learned


@pytest.fixture
def answerer(catalog) -> ExtractiveAnswerer:
    return ExtractiveAnswerer(FakeEncoder(), catalog, max_sentences=4, rerank_sentences=48)


def ask(answerer: ExtractiveAnswerer, catalog: Catalog, question: str):
    """The answer and evidence for ``question`` over every passage, in catalog order."""
    names = {" ".join(words(fold(n))): e.name for e in catalog.entities for n in e.names}
    info = analyse(question, names, {"place": catalog.filter_values["place"]})
    passages = [from_record(e["node_id"], e) for e in ENTRIES]
    return answerer.answer(question, question, info, passages)


# ---- the fake encoder keeps the Protocol's promises ---------------------------------------
def test_the_fake_encoder_gives_unit_vectors_that_are_closer_for_shared_words():
    encoder: Encoder = FakeEncoder(dimension=256)
    vectors = encoder.embed(["bakers repair bicycles", "bicycles repaired by a baker",
                             "carpentry for young people"])
    assert vectors.shape == (3, 256) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0)
    assert float(vectors[0] @ vectors[1]) > 0.9  # the same stems, said another way
    assert float(vectors[0] @ vectors[2]) < 0.1
    assert np.array_equal(encoder.embed(["bakers repair bicycles"])[0], vectors[0])


# ---- the catalog learned from the index ---------------------------------------------------
def test_the_catalog_knows_the_subjects_places_and_rarer_words(catalog):
    assert [e.name for e in catalog.entities] == ["Acme Works", "Zeta Lab"]
    assert catalog.filter_values["place"]["belgium"] == "BE"  # the country an ISO code names
    assert catalog.normalise_filters({"subject": "zeta lab"}) == {"case": ["Zeta Lab"]}
    assert catalog.idf[stem("carpentry")] > catalog.idf[stem("neighbourhood")]  # 1 chunk, 2
    assert [p.node_id for p in catalog.passages()] == ["acme-1", "acme-2", "zeta-1"]


# ---- the answerer's rules -----------------------------------------------------------------
def test_the_unit_that_holds_the_asked_date_answers_and_is_cited(answerer, catalog):
    answer, evidence = ask(answerer, catalog, "When was Acme Works founded?")
    assert evidence.grounded, evidence.reason
    assert "2009" in answer.text and "bicycles" not in answer.text
    assert [c.chunk_id for c in answer.citations] == ["acme-1"]


def test_a_question_naming_a_subject_is_answered_from_its_passages_only(answerer, catalog):
    answer, evidence = ask(answerer, catalog, "Who launched Zeta Lab?")
    assert evidence.grounded, evidence.reason
    assert "housing cooperative" in answer.text
    assert {c.chunk_id for c in answer.citations} == {"zeta-1"}


def test_a_head_noun_the_material_never_uses_is_refused(answerer, catalog):
    answer, evidence = ask(answerer, catalog, "Who is the mayor of Lyon?")
    assert not answer.grounded and not answer.citations
    assert stem("mayor") in evidence.unknown_terms
    assert "mayor" in answer.text  # the refusal names what the material never mentions


def test_a_subject_named_by_its_country_adjective_is_the_one_in_that_country(answerer, catalog):
    answer, evidence = ask(answerer, catalog, "What does the French workshop repair?")
    assert evidence.grounded and "bicycles" in answer.text
    assert "carpentry" not in answer.text and "Zeta" not in answer.text
