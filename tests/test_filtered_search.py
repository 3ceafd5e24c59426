"""A filtered search ranks the filter's chunks by the same cosine Chroma's own filtered query
gives, though it runs in-process on vectors read once per filter."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    "filters", [{"case": ["Coopcity"]}, {"city": ["Berlin"]}, {"kind": ["case"]}]
)
def test_filtered_dense_search_matches_chromas_filtered_query(assistant, filters):
    retriever = assistant.retriever
    retriever.ensure_loaded()
    query = "how is the cluster funded and who runs it?"
    ours = retriever.dense.search(query, filters, 8)
    key, values = next(iter(filters.items()))
    theirs = retriever.dense.collection.query(
        query_embeddings=[retriever.encoder.embed_query(query).tolist()], n_results=8,
        where={key: {"$in": values}}, include=["distances"],
    )
    assert theirs["ids"][0], "the filter keeps some chunks, so the checks below run"
    assert [p.node_id for p in ours] == theirs["ids"][0]
    for passage, distance in zip(ours, theirs["distances"][0], strict=True):
        assert passage.dense == pytest.approx(1.0 - distance, abs=1e-4)
        assert str(passage.metadata.get(key)) in values and passage.text


def test_a_filter_value_that_matches_nothing_finds_nothing(assistant):
    """An unknown value keeps no chunk, on either side of the search: no passages, and the
    answer is a refusal with nothing cited or related."""
    retriever = assistant.retriever
    retriever.ensure_loaded()
    query = "how is the cluster funded and who runs it?"
    theirs = retriever.dense.collection.query(
        query_embeddings=[retriever.encoder.embed_query(query).tolist()], n_results=8,
        where={"case": {"$in": ["Nowhere"]}}, include=["distances"],
    )
    assert theirs["ids"][0] == []
    assert retriever.dense.search(query, {"case": ["Nowhere"]}, 8) == []
    assert retriever.keyword.search(query, {"case": ["Nowhere"]}, 8) == []
    assert retriever.search(query, filters={"case": "Nowhere"}) == []
    answer = assistant.ask(query, filters={"case": "Nowhere"})
    assert not answer.grounded and not answer.citations and not answer.related
