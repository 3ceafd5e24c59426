"""Incremental ingestion: load, compare content hashes with the docstore, embed only what
changed, write Chroma, then the docstore, then the BM25 index.

Crash safety comes from the order of writes: new chunks are written under stable ids before
stale ones are deleted, the docstore (what is known to be indexed) is replaced in one rename
only after Chroma holds the new state, and a journal names the documents in flight so that
the run after a crash redoes them. The journal, the lock, the write lease and the generation
live in index_state.py.
"""

from __future__ import annotations

import os
import time
from collections import defaultdict
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from se_assistant import index_state
from se_assistant.documents import root_id, to_documents
from se_assistant.errors import SeAssistantError
from se_assistant.loaders import LoadError, load_file
from se_assistant.models import IngestReport
from se_assistant.settings import Settings
from se_assistant.sources import Root, resolve_roots

if TYPE_CHECKING:
    from llama_index.core.schema import Document
    from llama_index.core.storage.docstore import SimpleDocumentStore

CORPUS_ROOT = "corpus"
DOCSTORE_FILE = "docstore.json"
DOCUMENT_BATCH = 64  # sections split at a time
NODE_BATCH = 256  # chunks embedded and written at a time: bounds memory on big files


@dataclass
class _Plan:
    """What a run must do: documents to embed and write, document ids to delete."""

    to_embed: list[Document] = field(default_factory=list)
    to_delete: set[str] = field(default_factory=set)


def ingest(
    settings: Settings, paths: list[Path] | None = None, progress: bool = True
) -> IngestReport:
    """Ingest ``paths`` (files or folders; the bundled corpus when None) into the index."""
    started = time.perf_counter()
    roots = resolve_roots(list(paths) if paths else [settings.corpus_dir])
    corpus = settings.corpus_dir.expanduser().resolve()
    for root in roots:
        if root.path == corpus and root.only is None:
            # the configured corpus keeps its identity when the checkout moves or is copied
            root.name = CORPUS_ROOT
    data_dir = _prepare_data_dir(settings.data_dir)
    with index_state.write_lease(settings, data_dir) as lease:
        report = _ingest_locked(settings, roots, progress, lease)
    report.seconds = time.perf_counter() - started
    return report


def _prepare_data_dir(data_dir: Path) -> Path:
    blocker = next((p for p in (data_dir, *data_dir.parents) if p.exists()), None)
    if blocker is not None and not blocker.is_dir():
        raise SeAssistantError(
            f"data dir {data_dir} cannot be created: {blocker} is a file; choose another with "
            "--data-dir or SE_ASSISTANT_DATA_DIR"
        )
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        probe = data_dir / ".write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        raise SeAssistantError(
            f"data dir {data_dir} is not writable ({exc.strerror or exc}); "
            "choose another with --data-dir or SE_ASSISTANT_DATA_DIR"
        ) from None
    return data_dir


def load_docstore(data_dir: Path) -> SimpleDocumentStore:
    from llama_index.core.storage.docstore import SimpleDocumentStore

    path = data_dir / DOCSTORE_FILE
    if path.exists():
        return SimpleDocumentStore.from_persist_path(str(path))
    return SimpleDocumentStore()


def _ingest_locked(
    settings: Settings, roots: list[Root], progress: bool, lease: index_state.Lease | None
) -> IngestReport:
    from se_assistant import keyword_index
    from se_assistant.store import open_collection

    data_dir = settings.data_dir
    docstore = load_docstore(data_dir)
    collection = open_collection(settings)
    # Documents a crashed run left in flight, and documents the docstore lists but Chroma lacks
    # (a Chroma server that was reset): both are rewritten.
    in_flight = index_state.read_journal(data_dir) | _missing_in_chroma(collection, docstore)
    report = IngestReport()
    plan = _plan(settings, roots, docstore, in_flight, report)
    # Documents a crashed run left half-written that this run does not rewrite: drop them
    # everywhere, so the next ingest of their root adds them afresh.
    plan.to_delete |= in_flight - {d.id_ for d in plan.to_embed}

    if plan.to_embed or plan.to_delete or in_flight:
        index_state.write_journal(
            data_dir, {d.id_ for d in plan.to_embed} | plan.to_delete | in_flight
        )
        chunk_counts = _embed_and_write(settings, collection, plan.to_embed, progress)
        _delete_stale(collection, plan, chunk_counts)
        for doc_id in plan.to_delete:
            docstore.delete_document(doc_id, raise_error=False)
        for doc in plan.to_embed:
            docstore.delete_document(doc.id_, raise_error=False)
        docstore.add_documents([_record(d, chunk_counts[d.id_]) for d in plan.to_embed])
        docstore.set_document_hashes({d.id_: _indexed_hash(d, settings) for d in plan.to_embed})
        _persist_docstore(docstore, data_dir)
        report.embedded = sum(chunk_counts.values())
        # their texts (~0.4 GB at 100,000 sections) are in Chroma now, the docstore on disk:
        # free both before the keyword index is built
        plan.to_embed.clear()
        del docstore
        report.chunks = _rebuild_keyword_index(collection, data_dir, lease)
        index_state.clear_journal(data_dir)
        return report
    local = index_state.local_version(data_dir)
    shared = index_state.version_of(collection)
    if shared is not None and not shared.same_as(local):
        # another machine's ingest published a newer generation: follow it, publish nothing
        kept = keyword_index.follow(collection, data_dir, shared, locked=True)
        report.chunks = len(kept.corpus) if kept is not None else 0
    elif local is None or collection.count() != local.chunks:
        # Chroma changed under us (a server written by an older version): rebuild, publish
        report.chunks = _rebuild_keyword_index(collection, data_dir, lease)
    else:
        report.chunks = local.chunks
    return report


def _plan(
    settings: Settings,
    roots: list[Root],
    docstore: SimpleDocumentStore,
    in_flight: set[str],
    report: IngestReport,
) -> _Plan:
    plan = _Plan()
    known = _known_sources(docstore)
    max_bytes = int(settings.max_file_mb * 1024 * 1024)
    for root in roots:
        rid = root_id(root.key)
        existing = known.get(rid, {})
        failed_here: set[str] = set()
        for rel in root.files:
            reason = _check_file(root.path / rel, max_bytes)
            loaded = None
            if reason is None:
                try:
                    loaded = load_file(root.path / rel)
                except LoadError as exc:
                    reason = str(exc)
            if loaded is None:
                report.failed.append((rel, reason or "cannot be loaded"))
                failed_here.add(rel)
                continue
            docs = to_documents(loaded, rel, root.key)
            old_ids = existing.get(rel, set())
            new_ids = {d.id_ for d in docs}
            changed = [
                d
                for d in docs
                if d.id_ in in_flight or docstore.get_document_hash(d.id_) != _indexed_hash(d, settings)
            ]
            stale = old_ids - new_ids
            plan.to_embed += changed
            plan.to_delete |= stale
            if not old_ids:
                report.added.append(rel)
            elif changed or stale:
                report.updated.append(rel)
            else:
                report.unchanged.append(rel)
        report.failed += root.skipped
        if root.only is None:
            present = set(root.files)
            for rel in sorted(set(existing) - present):
                report.removed.append(rel)
                plan.to_delete |= existing[rel]
    return plan


def _indexed_hash(document: Document, settings: Settings) -> str:
    """The content hash with the model and precision that embedded it: changing either
    re-embeds every document on the next ingest, as a changed text does."""
    return f"{document.hash}|{settings.embed_model}|{settings.index_precision}"


def _check_file(path: Path, max_bytes: int) -> str | None:
    try:
        size = path.stat().st_size
    except OSError as exc:
        return f"cannot read the file ({exc.strerror or exc}); check that it exists and is readable"
    if not os.access(path, os.R_OK):
        return "cannot read the file (permission denied); check its permissions"
    if size > max_bytes:
        return (
            f"the file is {size / 1e6:.0f} MB, over the {max_bytes / 1e6:.0f} MB limit; split it "
            "or raise --max-file-mb"
        )
    return None


def _known_sources(docstore: SimpleDocumentStore) -> dict[str, dict[str, set[str]]]:
    """root id -> source -> ids of the documents indexed for it."""
    known: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for doc_id, doc in docstore.docs.items():
        known[doc.metadata.get("root", "")][doc.metadata.get("source", "")].add(doc_id)
    return known


def _splitter(settings: Settings) -> Any:
    from llama_index.core.node_parser import SentenceSplitter

    return SentenceSplitter(
        chunk_size=settings.chunk_tokens,
        chunk_overlap=settings.chunk_overlap,
        include_prev_next_rel=False,
        id_func=lambda i, doc: f"{doc.id_}:{i}",
    )


def _embed_and_write(
    settings: Settings, collection: Any, documents: list[Document], progress: bool
) -> dict[str, int]:
    """Split, embed and upsert ``documents`` a batch at a time, so memory stays bounded by the
    batch, not the corpus; returns document id -> number of chunks written."""
    if not documents:
        return {}
    from llama_index.core.schema import MetadataMode
    from tqdm import tqdm

    from se_assistant.embedding import load_encoder
    from se_assistant.store import upsert_nodes

    splitter = _splitter(settings)
    encoder = load_encoder(settings, settings.index_precision, bulk=True)
    counts = {d.id_: 0 for d in documents}
    # Chroma writes one batch on a thread while the model embeds the next (about 5% faster on
    # 2 cores, where both are CPU-bound); one write in flight at a time keeps memory bounded.
    # Every write ends before this returns, so stale chunks are still deleted only after all
    # new ones are in.
    with (
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="chroma-write") as writer,
        tqdm(total=len(documents), unit="section", desc="embedding", disable=not progress) as bar,
    ):
        pending: Future[None] | None = None
        for start in range(0, len(documents), DOCUMENT_BATCH):
            batch = documents[start : start + DOCUMENT_BATCH]
            nodes = splitter(batch)
            for node in nodes:
                counts[node.ref_doc_id] += 1
            for first in range(0, len(nodes), NODE_BATCH):
                part = nodes[first : first + NODE_BATCH]
                # the text llama-index embeds for a node; its embedding call itself is skipped:
                # its instrumentation copies every vector into events (~9 s per 10k chunks)
                vectors = encoder.embed([n.get_content(metadata_mode=MetadataMode.EMBED) for n in part])
                if pending is not None:
                    pending.result()
                pending = writer.submit(upsert_nodes, collection, part, vectors)
            bar.update(len(batch))
        if pending is not None:
            pending.result()
    return counts


def chunk_ids(doc_id: str, count: int) -> list[str]:
    """Ids of the chunks of a document (the splitter names them ``<document id>:<n>``)."""
    return [f"{doc_id}:{i}" for i in range(count)]


def _record(document: Document, chunks: int) -> Document:
    """What the docstore keeps of a document: metadata and chunk count, not the text (Chroma
    holds that), so the docstore stays small for big corpora."""
    from llama_index.core.schema import Document as LlamaDocument

    return LlamaDocument(id_=document.id_, text="", metadata={**document.metadata, "chunks": chunks})


def _missing_in_chroma(collection: Any, docstore: SimpleDocumentStore) -> set[str]:
    expected = {
        doc_id: f"{doc_id}:0" for doc_id, doc in docstore.docs.items() if doc.metadata.get("chunks", 1)
    }
    present: set[str] = set()
    ids = list(expected.values())
    for start in range(0, len(ids), 5000):
        present |= set(collection.get(ids=ids[start : start + 5000], include=[])["ids"])
    return {doc_id for doc_id, first in expected.items() if first not in present}


def _delete_stale(collection: Any, plan: _Plan, chunk_counts: dict[str, int]) -> None:
    doc_ids = sorted(plan.to_delete | {d.id_ for d in plan.to_embed})
    for start in range(0, len(doc_ids), 500):
        batch = doc_ids[start : start + 500]
        got = collection.get(where={"document_id": {"$in": batch}}, include=[])
        stale = [i for i in got["ids"] if not _is_written(i, chunk_counts)]
        if stale:
            collection.delete(ids=stale)


def _is_written(chunk_id: str, chunk_counts: dict[str, int]) -> bool:
    doc_id, _, index = chunk_id.rpartition(":")
    return index.isdigit() and int(index) < chunk_counts.get(doc_id, 0)


def _persist_docstore(docstore: SimpleDocumentStore, data_dir: Path) -> None:
    tmp = data_dir / (DOCSTORE_FILE + ".tmp")
    docstore.persist(str(tmp))
    os.replace(tmp, data_dir / DOCSTORE_FILE)


def _rebuild_keyword_index(
    collection: Any, data_dir: Path, lease: index_state.Lease | None = None
) -> int:
    """Build BM25 from what Chroma holds, commit the new generation in index.json (the one
    rename that makes this data dir's readers switch; see keyword_index.save), then publish it
    in Chroma for every other chat server."""
    from se_assistant import keyword_index

    model, entries = keyword_index.build_from_chroma(collection)
    previous = index_state.local_version(data_dir)
    version = index_state.next_version(collection, data_dir, len(entries))
    keyword_index.save(model, entries, data_dir, version.generation)
    if lease is not None:
        lease.check()
    index_state.commit_local(data_dir, version)
    index_state.publish(collection, version)
    keyword_index.prune(data_dir, version.generation, previous.generation if previous else None)
    return len(entries)


@dataclass
class IndexContents:
    """The chunk ids each part of the index names; after a completed ingest all three agree."""

    chroma: list[str]
    docstore: list[str]
    keyword: list[str]

    @property
    def consistent(self) -> bool:
        """Same chunks everywhere, none twice."""
        return (
            len(set(self.chroma)) == len(self.chroma)
            and len(set(self.keyword)) == len(self.keyword)
            and set(self.chroma) == set(self.docstore) == set(self.keyword)
        )


def index_contents(settings: Settings) -> IndexContents:
    """Read the chunk ids from Chroma, the docstore (ids derived from its chunk counts) and the
    committed keyword index, e.g. to check the index after a crash."""
    from se_assistant import keyword_index
    from se_assistant.store import open_collection

    chroma: list[str] = []
    collection = open_collection(settings, fresh=True)
    offset = 0
    while batch := collection.get(include=[], limit=5000, offset=offset)["ids"]:
        chroma += batch
        offset += len(batch)
    docstore = [
        chunk_id
        for doc_id, doc in load_docstore(settings.data_dir).docs.items()
        for chunk_id in chunk_ids(doc_id, int(doc.metadata.get("chunks", 0)))
    ]
    retriever, _state = keyword_index.load(settings.data_dir)
    keyword = [entry["node_id"] for entry in retriever.corpus] if retriever is not None else []
    return IndexContents(chroma=chroma, docstore=docstore, keyword=keyword)
