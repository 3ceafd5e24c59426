"""A filtered search ranks the filter's chunks by the same cosine Chroma's own filtered query
gives, though it runs in-process on vectors read once per filter."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    "filters",
    [{"case": ["Coopcity"]}, {"city": ["Berlin"]}, {"kind": ["case"]}, {"case": ["Nowhere"]}],
)
def test_filtered_dense_search_matches_chromas_filtered_query(assistant, filters):
    retriever = assistant.retriever
    retriever.ensure_loaded()
    query = "how is the cluster funded and who runs it?"
    ours = retriever._dense(query, filters, 8)
    key, values = next(iter(filters.items()))
    theirs = retriever._collection.query(
        query_embeddings=[retriever.embed_query(query).tolist()], n_results=8,
        where={key: {"$in": values}}, include=["distances"],
    )
    assert [p.node_id for p in ours] == theirs["ids"][0]
    for passage, distance in zip(ours, theirs["distances"][0], strict=True):
        assert passage.dense == pytest.approx(1.0 - distance, abs=1e-4)
        assert str(passage.metadata.get(key)) in values and passage.text
