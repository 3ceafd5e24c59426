"""The BM25 index is built from Chroma a page at a time and scores exactly as llama-index's
BM25Retriever would over the same chunks, with each chunk's text stored once."""

from __future__ import annotations

import json

import numpy as np

from se_assistant import keyword_index
from se_assistant.lexical import TOKEN_PATTERN, FoldingStemmer, stem, words
from se_assistant.settings import Settings
from se_assistant.store import open_collection

QUERIES = ["how was Pfefferwerk funded", "coopératives Bruxelles SEEDS", "universities Messina"]


def test_paged_build_scores_like_bm25retriever_over_the_same_chunks(ingested_dir):
    from llama_index.core.vector_stores.utils import metadata_dict_to_node
    from llama_index.retrievers.bm25 import BM25Retriever

    collection = open_collection(Settings.load(data_dir=ingested_dir))
    model, entries = keyword_index.build_from_chroma(collection, batch=7)  # several pages
    got = collection.get(include=["documents", "metadatas"])
    nodes = sorted(
        (metadata_dict_to_node(m, text=t) for t, m in zip(got["documents"], got["metadatas"], strict=True)),
        key=lambda n: n.node_id,
    )
    reference = BM25Retriever(nodes=nodes, stemmer=FoldingStemmer(), language="en",
                              token_pattern=TOKEN_PATTERN)
    assert [e["node_id"] for e in entries] == [n.node_id for n in nodes]
    for query in QUERIES:
        tokens = [stem(w) for w in words(query)]
        tokens = [t for t in tokens if t in model.vocab_dict and t in reference.bm25.vocab_dict]
        assert tokens, query
        assert np.allclose(model.get_scores(tokens), reference.bm25.get_scores(tokens), atol=1e-5)


def test_corpus_entries_hold_text_and_metadata_once(ingested_dir):
    index, state = keyword_index.load(ingested_dir)
    assert state["chunks"] == len(index.corpus) > 20
    entry = next(e for e in index.corpus if e.get("case") == "Pfefferwerk Foundation")
    assert "_node_content" not in entry and entry["text"] and entry["locator"]
    corpus_file = next((ingested_dir / "bm25").glob("gen-*/corpus.jsonl"))
    lines = corpus_file.read_text("utf-8").splitlines()
    assert len(lines) == len(index.corpus)
    for line in lines:
        record = json.loads(line)
        # BM25Retriever's entries repeated the text inside _node_content
        # (a chunk's first line may be its section's heading, which the metadata names too)
        others = [str(v) for k, v in record.items() if k != "text"]
        assert not any(record["text"] in v for v in others)
