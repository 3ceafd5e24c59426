"""The BM25 index (bm25s through llama-index's BM25Retriever), always rebuilt from what Chroma
holds so that both name the same chunks. Accent-folding stemmer on both sides."""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from se_assistant.lexical import TOKEN_PATTERN, FoldingStemmer

if TYPE_CHECKING:
    from llama_index.core.schema import BaseNode
    from llama_index.retrievers.bm25 import BM25Retriever

STATE_FILE = "state.json"


def bm25_dir(data_dir: Path) -> Path:
    return data_dir / "bm25"


def chunks_from_chroma(collection: Any, batch: int = 5000) -> list[BaseNode]:
    """Every chunk in the collection as llama-index nodes (text and metadata, no vectors)."""
    from llama_index.core.vector_stores.utils import metadata_dict_to_node

    nodes: list[BaseNode] = []
    offset = 0
    while True:
        got = collection.get(include=["documents", "metadatas"], limit=batch, offset=offset)
        ids = got["ids"]
        if not ids:
            break
        for text, meta in zip(got["documents"], got["metadatas"], strict=True):
            nodes.append(metadata_dict_to_node(meta, text=text))
        offset += len(ids)
    nodes.sort(key=lambda n: n.node_id)
    return nodes


def build(nodes: list[BaseNode]) -> BM25Retriever | None:
    from llama_index.retrievers.bm25 import BM25Retriever

    if not nodes:
        return None
    return BM25Retriever(
        nodes=nodes,
        stemmer=FoldingStemmer(),
        language="en",
        token_pattern=TOKEN_PATTERN,
        similarity_top_k=10,
    )


def generation_dir(data_dir: Path, generation: int) -> Path:
    return bm25_dir(data_dir) / f"gen-{generation}"


def save(retriever: BM25Retriever | None, data_dir: Path, generation: int) -> None:
    """Write the index for ``generation`` into its own folder, renamed into place when
    complete. Nothing points at it until the ingest commits ``generation`` in index.json, so a
    crash at any moment leaves the previous generation in use."""
    target = generation_dir(data_dir, generation)
    tmp = bm25_dir(data_dir) / f"tmp-{generation}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    if retriever is not None:
        retriever.persist(str(tmp), show_progress=False)
    count = 0 if retriever is None else len(retriever.corpus)
    (tmp / STATE_FILE).write_text(json.dumps({"generation": generation, "chunks": count}))
    shutil.rmtree(target, ignore_errors=True)
    os.replace(tmp, target)


def prune(data_dir: Path, current: int) -> None:
    """Remove generations older than the one before ``current`` (a reader may still be
    loading that one) and files of the earlier single-folder layout."""
    folder = bm25_dir(data_dir)
    keep = {f"gen-{current}", f"gen-{current - 1}"}
    for entry in folder.iterdir() if folder.is_dir() else []:
        if entry.name in keep:
            continue
        if entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)


def committed_generation(data_dir: Path) -> int | None:
    """The generation the last completed ingest committed in index.json (None: none yet)."""
    try:
        return int(json.loads((data_dir / "index.json").read_text()).get("generation", 0))
    except (OSError, ValueError):
        return None


@dataclass
class KeywordIndex:
    """A loaded BM25 index: bm25s's model and the chunk records it was built from (as
    llama-index's BM25Retriever persisted them)."""

    bm25: Any
    corpus: list[dict]


def load(data_dir: Path, generation: int | None = None) -> tuple[KeywordIndex | None, dict]:
    """The persisted index of ``generation`` (the committed one when None) and its state
    ({generation, chunks}); (None, {}) when absent."""
    import bm25s  # loaded without llama-index's wrapper: questions only need the scores

    generation = committed_generation(data_dir) if generation is None else generation
    folder = generation_dir(data_dir, generation) if generation is not None else None
    if folder is None or not (folder / STATE_FILE).exists():
        folder = bm25_dir(data_dir)  # an index written before generations had folders
    state_path = folder / STATE_FILE
    if not state_path.exists():
        return None, {}
    state = json.loads(state_path.read_text())
    if not state.get("chunks"):
        return None, state
    model = bm25s.BM25.load(str(folder), load_corpus=True, show_progress=False)
    return KeywordIndex(bm25=model, corpus=list(model.corpus)), state
