"""The BM25 index (bm25s), always rebuilt from what Chroma holds so that both name the same
chunks: by the ingest that wrote Chroma, or by a chat server following a generation another
machine published (``follow``). Accent-folding stemmer on both sides."""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from se_assistant import index_state
from se_assistant.lexical import TOKEN_PATTERN, FoldingStemmer

STATE_FILE = "state.json"


def bm25_dir(data_dir: Path) -> Path:
    return data_dir / "bm25"


# Chroma's own keys that a corpus entry leaves out: the serialised node repeats the text and
# the metadata, which doubled the index on disk and in memory.
_DROPPED_KEYS = frozenset({"_node_content", "_node_type", "doc_id", "ref_doc_id"})


def build_from_chroma(collection: Any, batch: int = 5000) -> tuple[Any, list[dict]]:
    """BM25 (bm25s) over every chunk the collection holds, read a page at a time, and the
    corpus entries (node id, text, flat metadata) in node id order. bm25s is used directly:
    llama-index's BM25Retriever wants every chunk as a node in memory at once (1.4 GB at
    100,000 chunks). Tokens are what BM25Retriever would index: the node's EMBED text."""
    import bm25s
    from llama_index.core.schema import MetadataMode
    from llama_index.core.vector_stores.utils import metadata_dict_to_node

    stemmer = FoldingStemmer()
    vocab: dict[str, int] = {}
    entries: list[dict] = []
    token_ids: list[list[int]] = []
    offset = 0
    while True:
        got = collection.get(include=["documents", "metadatas"], limit=batch, offset=offset)
        if not got["ids"]:
            break
        texts = []
        for node_id, text, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True):
            node = metadata_dict_to_node(meta, text=text)
            texts.append(node.get_content(metadata_mode=MetadataMode.EMBED))
            entry = {k: v for k, v in meta.items() if k not in _DROPPED_KEYS}
            entries.append({**entry, "node_id": node_id, "text": text or ""})
        tokens = bm25s.tokenize(
            texts, stopwords="en", stemmer=stemmer, token_pattern=TOKEN_PATTERN,
            return_ids=False, show_progress=False,
        )
        token_ids += [[vocab.setdefault(t, len(vocab)) for t in doc] for doc in tokens]
        offset += len(got["ids"])
    if not entries:
        return None, []
    order = sorted(range(len(entries)), key=lambda i: entries[i]["node_id"])
    entries = [entries[i] for i in order]
    token_ids = [token_ids[i] for i in order]
    model = bm25s.BM25()
    model.index((token_ids, vocab), show_progress=False)
    return model, entries


def generation_dir(data_dir: Path, generation: int) -> Path:
    return bm25_dir(data_dir) / f"gen-{generation}"


def save(model: Any, entries: list[dict], data_dir: Path, generation: int) -> None:
    """Write the index for ``generation`` into its own folder, renamed into place when
    complete. Nothing points at it until ``generation`` is committed in index.json
    (index_state.commit_local), so a crash at any moment leaves the previous one in use."""
    target = generation_dir(data_dir, generation)
    tmp = bm25_dir(data_dir) / f"tmp-{generation}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    if model is not None:
        model.save(str(tmp), corpus=entries, show_progress=False)
    count = len(entries) if model is not None else 0
    (tmp / STATE_FILE).write_text(json.dumps({"generation": generation, "chunks": count}))
    shutil.rmtree(target, ignore_errors=True)
    os.replace(tmp, target)


def prune(data_dir: Path, current: int, previous: int | None = None) -> None:
    """Remove every generation but ``current`` and ``previous`` (a reader may still be loading
    that one), and files of the earlier single-folder layout."""
    folder = bm25_dir(data_dir)
    keep = {f"gen-{current}", f"gen-{previous if previous is not None else current - 1}"}
    for entry in folder.iterdir() if folder.is_dir() else []:
        if entry.name in keep:
            continue
        if entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)


@dataclass
class KeywordIndex:
    """A loaded BM25 index: bm25s's model and the chunk records it was built from (entries
    of earlier versions, written by llama-index's BM25Retriever, carry ``_node_content``)."""

    bm25: Any
    corpus: list[dict]


def load(data_dir: Path, generation: int | None = None) -> tuple[KeywordIndex | None, dict]:
    """The persisted index of ``generation`` (the committed one when None) and its state
    ({generation, chunks}); (None, {}) when absent."""
    import bm25s  # loaded without llama-index's wrapper: questions only need the scores

    if generation is None:
        committed = index_state.local_version(data_dir)
        generation = committed.generation if committed is not None else None
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


def follow(
    collection: Any, data_dir: Path, version: index_state.Version, locked: bool = False
) -> KeywordIndex | None:
    """The keyword index of a ``version`` that another machine's ingest published, built from
    what Chroma holds. A copy is committed in the data dir (so a restart loads it) when no
    ingest is writing there; ``locked``: the caller holds the data dir's lock."""
    model, entries = build_from_chroma(collection)
    version = replace(version, chunks=len(entries))
    lock = None
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        lock = None if locked else index_state.try_data_dir_lock(data_dir)
        if locked or lock is not None:
            previous = index_state.local_version(data_dir)
            if not version.same_as(previous):
                save(model, entries, data_dir, version.generation)
                index_state.commit_local(data_dir, version)
                prune(data_dir, version.generation, previous.generation if previous else None)
    except OSError:
        pass  # an unwritable data dir only costs a rebuild at the next start
    finally:
        if lock is not None:
            lock.release()
    return KeywordIndex(bm25=model, corpus=entries) if model is not None else None
