"""Dense search asks Chroma for ids and distances only and takes the chunks from the keyword
index: the passages are the ones Chroma's own records give, and a chunk the keyword index does
not hold (written since it was built) is read from Chroma."""

from __future__ import annotations

import pytest

from se_assistant.retrieval.passage import from_record

QUERY = "how is the cluster funded and who runs it?"


def _as_chroma_gives(retriever, k):
    got = retriever.dense.collection.query(
        query_embeddings=[retriever.encoder.embed_query(QUERY).tolist()], n_results=k,
        include=["documents", "metadatas", "distances"],
    )
    return [
        from_record(i, m, d, dense=1.0 - float(dist))
        for i, d, m, dist in zip(got["ids"][0], got["documents"][0], got["metadatas"][0],
                                 got["distances"][0], strict=True)
    ]


def test_dense_passages_are_chromas_records(assistant):
    retriever = assistant.retriever
    retriever.ensure_loaded()
    ours = retriever.dense.search(QUERY, {}, 8)
    theirs = _as_chroma_gives(retriever, 8)
    assert len(ours) == 8
    assert [p.node_id for p in ours] == [p.node_id for p in theirs]
    for mine, stored in zip(ours, theirs, strict=True):
        assert mine.text == stored.text and mine.metadata == stored.metadata
        assert mine.dense == pytest.approx(stored.dense, abs=1e-6)


def test_a_chunk_the_keyword_index_lacks_is_read_from_chroma(assistant, monkeypatch):
    retriever = assistant.retriever
    retriever.ensure_loaded()
    theirs = _as_chroma_gives(retriever, 4)
    missing = theirs[0].node_id
    known = retriever.catalog.row_of
    monkeypatch.setattr(retriever.catalog, "row_of",
                        lambda node_id: None if node_id == missing else known(node_id))
    ours = retriever.dense.search(QUERY, {}, 4)
    assert [p.node_id for p in ours] == [p.node_id for p in theirs]
    assert ours[0].text == theirs[0].text and ours[0].metadata == theirs[0].metadata
