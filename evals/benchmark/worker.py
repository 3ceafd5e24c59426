"""The latency worker: warm ``Assistant.ask`` (and the plain llama-index baseline) timed inside
one process, the result printed as one JSON line for the parent."""

from __future__ import annotations

import statistics
import time
from pathlib import Path
from typing import Any

from .processes import summary
from .workload import FILTER, FILTERED_QUESTIONS, QUESTIONS, WARMUP_QUESTIONS

WORKER_MARK = "BENCH-JSON "
# chunks the model-alone measurement embeds: enough for several full batches on every core
CEILING_SAMPLE = 2000


def worker_embedding(data_dir: Path, runs: int) -> dict:
    """The ceiling of first-ingest throughput: the chunk encoder alone (at the index's
    precision, tuned for bulk as the ingest runs it) on a sample of the index's own chunks,
    embedded as the ingest embeds them (the text led by its embedded metadata)."""
    from llama_index.core.schema import MetadataMode
    from llama_index.core.vector_stores.utils import metadata_dict_to_node

    from se_assistant import Settings
    from se_assistant.embedding import load_encoder
    from se_assistant.store import open_collection

    settings = Settings(data_dir=data_dir)
    got = open_collection(settings, create=False).get(
        limit=CEILING_SAMPLE, include=["documents", "metadatas"])
    texts = []
    for text, meta in zip(got["documents"], got["metadatas"], strict=True):
        node = metadata_dict_to_node(meta, text=text)
        texts.append(node.get_content(metadata_mode=MetadataMode.EMBED))
    encoder = load_encoder(settings, settings.index_precision, bulk=True)
    encoder.embed(texts[:64])  # the first runs of a session are slower
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        encoder.embed(texts)
        seconds.append(time.perf_counter() - started)
    return {"texts": len(texts), "precision": settings.index_precision,
            "wall_s": summary(seconds),
            "chunks_per_s": round(len(texts) / statistics.median(seconds), 1)}


def worker_latency(data_dir: Path, corpus_dir: Path, questions: int, baseline: bool) -> dict:
    """Warm latency of ``Assistant.ask`` (and the llama-index baseline) in this process."""
    from se_assistant import Assistant

    assistant = Assistant(data_dir=data_dir, corpus_dir=corpus_dir)
    retrieve = None
    if baseline:
        from llama_index.core import SimpleDirectoryReader, VectorStoreIndex

        # the baseline must embed with the very model object ours uses: not public API
        from se_assistant.embedding import load_embed_model

        # the float32 encoder object our questions use (the baseline embeds its chunks with it too)
        embed_model = load_embed_model(assistant.settings, precision="float32")
        docs = SimpleDirectoryReader(str(corpus_dir), recursive=True).load_data()
        index = VectorStoreIndex.from_documents(docs, embed_model=embed_model)
        retrieve = index.as_retriever(similarity_top_k=3).retrieve
        baseline_nodes = len(index.docstore.docs)
    for q in WARMUP_QUESTIONS:
        assistant.ask(q)
        if retrieve:
            retrieve(q)
    ours: list[float] = []
    ours_cpu: list[float] = []
    theirs: list[float] = []
    grounded = 0
    for q in QUESTIONS[:questions]:
        # interleaved, so that load from elsewhere on the machine hits both alike
        started, cpu = time.perf_counter(), time.process_time()
        answer = assistant.ask(q)
        ours.append(time.perf_counter() - started)
        ours_cpu.append(time.process_time() - cpu)
        grounded += answer.grounded
        if retrieve:
            started = time.perf_counter()
            retrieve(q)
            theirs.append(time.perf_counter() - started)
    assistant.ask(WARMUP_QUESTIONS[0], filters=FILTER)  # reads the filter's vectors once
    filtered: list[float] = []
    for q in QUESTIONS[: min(questions, FILTERED_QUESTIONS)]:
        started = time.perf_counter()
        assistant.ask(q, filters=FILTER)
        filtered.append(time.perf_counter() - started)
    kept = sum(1 for p in assistant.retriever.all_chunks()
               if all(p.metadata.get(k) == v for k, v in FILTER.items()))
    result: dict[str, Any] = {
        "questions": len(ours), "grounded": grounded, "ours_ms": summary(ours, 1000),
        "ours_cpu_ms": summary(ours_cpu, 1000),
        "chunks": assistant.retriever.chunk_count,
        "filtered_ms": summary(filtered, 1000), "filter": FILTER, "filter_keeps": kept,
    }
    if retrieve:
        result["baseline_ms"] = summary(theirs, 1000)
        result["baseline_chunks"] = baseline_nodes
        result["ratio_ours_over_baseline"] = round(
            statistics.median(ours) / statistics.median(theirs), 2)
    return result


