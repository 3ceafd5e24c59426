"""Incremental ingestion: load, compare content hashes with the docstore, embed only what
changed, write Chroma, then the docstore, then the BM25 index.

Crash safety comes from the order of writes: new chunks are written under stable ids before
stale ones are deleted, the docstore (what is known to be indexed) is replaced in one rename
only after Chroma holds the new state, and a journal names the documents in flight so that
the run after a crash redoes them. The journal, the lock, the write lease and the generation
live in index_state.py.
"""

from __future__ import annotations

import functools
import hashlib
import os
import time
from collections import defaultdict
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from se_assistant import documents, index_state, keyword_index, loaders, store
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
# sections split at a time: Chroma's upsert costs 1.2 ms of CPU a chunk in batches of 64 and
# 0.9 ms in batches of 256 (measured on this index's records), and each embedding call ends on
# one thread's last batch
DOCUMENT_BATCH = 256
NODE_BATCH = 256  # chunks embedded and written at a time: bounds memory on big files


@dataclass
class _Plan:
    """What a run must do: documents to embed and write, document ids to delete."""

    to_embed: list[Document] = field(default_factory=list)
    to_delete: set[str] = field(default_factory=set)
    # document id -> fingerprint of its file, for the documents of every file read this run
    stamps: dict[str, str] = field(default_factory=dict)
    # documents unchanged whose docstore record carries another fingerprint (rewritten)
    restamp: set[str] = field(default_factory=set)


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

    data_dir = settings.data_dir
    collection = store.open_collection(settings)
    local = index_state.local_version(data_dir)
    shared = index_state.version_of(collection)
    in_flight = index_state.read_journal(data_dir)
    # Chroma still holding the generation this data dir committed, with as many chunks, is
    # what this data dir's docstore and file fingerprints describe.
    settled = (
        shared is not None and shared.same_as(local) and collection.count() == shared.chunks
    )
    if settled and not in_flight:
        unchanged = _unchanged(settings, roots, index_state.read_manifest(data_dir, shared))
        if unchanged is not None:
            unchanged.chunks = shared.chunks
            return unchanged
    docstore = load_docstore(data_dir)
    records = docstore.docs  # deserialised once (a second or more at 100,000 sections)
    # Documents a crashed run left in flight, and documents the docstore lists but Chroma lacks
    # (a Chroma server that was reset): both are rewritten.
    if not settled:
        in_flight |= _missing_in_chroma(collection, records)
    report = IngestReport()
    plan = _plan(settings, roots, docstore, records, in_flight, report)
    del records
    # Documents a crashed run left half-written that this run does not rewrite: drop them
    # everywhere, so the next ingest of their root adds them afresh.
    plan.to_delete |= in_flight - {d.id_ for d in plan.to_embed}

    if plan.to_embed or plan.to_delete or in_flight:
        index_state.drop_manifest(data_dir)
        index_state.write_journal(
            data_dir, {d.id_ for d in plan.to_embed} | plan.to_delete | in_flight
        )
        chunk_counts = _embed_and_write(settings, collection, plan.to_embed, progress)
        _delete_stale(collection, plan, chunk_counts)
        for doc_id in plan.to_delete:
            docstore.delete_document(doc_id, raise_error=False)
        for doc in plan.to_embed:
            docstore.delete_document(doc.id_, raise_error=False)
        docstore.add_documents(
            [_record(d, chunk_counts[d.id_], plan.stamps[d.id_]) for d in plan.to_embed]
        )
        docstore.set_document_hashes({d.id_: _indexed_hash(d, settings) for d in plan.to_embed})
        _restamp(docstore, plan)
        _persist_docstore(docstore, data_dir)
        report.embedded = sum(chunk_counts.values())
        manifest = _manifest(docstore.docs)
        # their texts (~0.4 GB at 100,000 sections) are in Chroma now, the docstore on disk:
        # free both before the keyword index is built
        plan.to_embed.clear()
        del docstore
        report.chunks = _rebuild_keyword_index(collection, data_dir, lease)
        index_state.clear_journal(data_dir)
        _commit_manifest(data_dir, manifest)
        return report
    if plan.restamp:  # files touched but unchanged: remember their new fingerprints
        _restamp(docstore, plan)
        _persist_docstore(docstore, data_dir)
    manifest = _manifest(docstore.docs)
    if shared is not None and not shared.same_as(local):
        # another machine's ingest published a newer generation: follow it, publish nothing
        kept = keyword_index.follow(collection, data_dir, shared, locked=True)
        report.chunks = len(kept.corpus) if kept is not None else 0
        return report  # no manifest: the next ingest checks its documents against Chroma
    if local is None or shared is None or collection.count() != local.chunks:
        # Chroma changed under us, or an index written before generations were published
        report.chunks = _rebuild_keyword_index(collection, data_dir, lease)
    else:
        report.chunks = local.chunks
    _commit_manifest(data_dir, manifest)
    return report


def _unchanged(
    settings: Settings, roots: list[Root], manifest: dict[str, dict[str, str]] | None
) -> IngestReport | None:
    """The report of a run with nothing to do, when every file has the fingerprint it had at
    the committed generation and none was added or removed; None when anything differs."""
    if manifest is None:
        return None
    report = IngestReport()
    max_bytes = int(settings.max_file_mb * 1024 * 1024)
    for root in roots:
        known = manifest.get(root_id(root.key), {})
        if root.only is None and set(known) - set(root.files):
            return None
        for rel in root.files:
            path = root.path / rel
            if check_file(path, max_bytes) or known.get(rel) != _fingerprint(path, settings):
                return None
            report.unchanged.append(rel)
        report.failed += root.skipped
    return report


def _manifest(records: dict[str, Any]) -> dict[str, dict[str, str]]:
    """root id -> file -> fingerprint, for files whose documents all carry the same one."""
    stamps: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for doc in records.values():
        meta = doc.metadata
        stamps[meta.get("root", "")][meta.get("source", "")].add(meta.get("file_fingerprint", ""))
    return {
        rid: {rel: next(iter(s)) for rel, s in files.items() if len(s) == 1 and "" not in s}
        for rid, files in stamps.items()
    }


def _commit_manifest(data_dir: Path, manifest: dict[str, dict[str, str]]) -> None:
    version = index_state.local_version(data_dir)
    if version is not None:
        index_state.write_manifest(data_dir, version, manifest)


def _plan(
    settings: Settings,
    roots: list[Root],
    docstore: SimpleDocumentStore,
    records: dict[str, Any],
    in_flight: set[str],
    report: IngestReport,
) -> _Plan:
    plan = _Plan()
    known = _known_sources(records)
    max_bytes = int(settings.max_file_mb * 1024 * 1024)
    for root in roots:
        rid = root_id(root.key)
        existing = known.get(rid, {})
        failed_here: set[str] = set()
        for rel in root.files:
            reason = check_file(root.path / rel, max_bytes)
            old_ids = existing.get(rel, set())
            stamp = _fingerprint(root.path / rel, settings) if reason is None else None
            if stamp and old_ids and not old_ids & in_flight and all(
                records[i].metadata.get("file_fingerprint") == stamp for i in old_ids
            ):
                # the same bytes, read and embedded the same way: nothing to load
                report.unchanged.append(rel)
                continue
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
            new_ids = {d.id_ for d in docs}
            plan.stamps.update({d.id_: stamp or "" for d in docs})
            changed = [
                d
                for d in docs
                if d.id_ in in_flight or docstore.get_document_hash(d.id_) != _indexed_hash(d, settings)
            ]
            stale = old_ids - new_ids
            plan.restamp |= {
                i for i in new_ids & old_ids
                if records[i].metadata.get("file_fingerprint") != stamp
            } - {d.id_ for d in changed}
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


def check_file(path: Path, max_bytes: int) -> str | None:
    """Why ``path`` cannot be ingested as it stands (unreadable, over ``max_bytes``), in one
    line; None when it can be read. The chat window checks uploads with it too."""
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


def _fingerprint(path: Path, settings: Settings) -> str | None:
    """What a file's documents were made and embedded from: its bytes, the code that turns
    files into documents, and the model. Equal fingerprints let an ingest skip reading it."""
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None
    return f"{digest}|{_reader_code()}|{settings.embed_model}|{settings.index_precision}"


@functools.cache
def _reader_code() -> str:
    """A digest of the loaders and of documents.py: a new version that reads files
    differently reads every file again (the version number alone may not change)."""
    digest = hashlib.sha256()
    for source in sorted(Path(loaders.__file__).parent.glob("*.py")) + [Path(documents.__file__)]:
        digest.update(source.read_bytes())
    return digest.hexdigest()[:16]


def _restamp(docstore: SimpleDocumentStore, plan: _Plan) -> None:
    """Record the new fingerprint on unchanged documents of files that were read."""
    rewritten = []
    hashes = {}
    for doc_id in plan.restamp:
        old = docstore.get_document(doc_id, raise_error=False)
        if old is None:
            continue
        hashes[doc_id] = docstore.get_document_hash(doc_id)
        rewritten.append(_stamped(old, plan.stamps[doc_id]))
    docstore.add_documents(rewritten, allow_update=True)
    docstore.set_document_hashes({k: v for k, v in hashes.items() if v})
    plan.restamp.clear()


def _stamped(record: Document, stamp: str) -> Document:
    from llama_index.core.schema import Document as LlamaDocument

    return LlamaDocument(id_=record.id_, text="", metadata={**record.metadata,
                                                           "file_fingerprint": stamp})


def _known_sources(records: dict[str, Any]) -> dict[str, dict[str, set[str]]]:
    """root id -> source -> ids of the documents indexed for it."""
    known: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for doc_id, doc in records.items():
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

    splitter = _splitter(settings)
    encoder = load_encoder(settings, settings.index_precision, bulk=True)
    counts = {d.id_: 0 for d in documents}
    batches = [documents[i : i + DOCUMENT_BATCH] for i in range(0, len(documents), DOCUMENT_BATCH)]
    # Chroma writes one batch on a thread while the model embeds the next (about 5% faster on
    # 2 cores, where both are CPU-bound); one write in flight at a time keeps memory bounded.
    # The next batch is split on another thread meanwhile: split in line, it left both of the
    # model's threads idle for a fifth of the time (profiled at 100,000 chunks). Every write
    # ends before this returns, so stale chunks are still deleted only after all new ones are in.
    with (
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="chroma-write") as writer,
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="split") as splitting,
        tqdm(total=len(documents), unit="section", desc="embedding", disable=not progress) as bar,
    ):
        pending: Future[None] | None = None
        split_next = splitting.submit(splitter, batches[0])
        for number, batch in enumerate(batches):
            nodes = split_next.result()
            if number + 1 < len(batches):
                split_next = splitting.submit(splitter, batches[number + 1])
            for node in nodes:
                counts[node.ref_doc_id] += 1
            for first in range(0, len(nodes), NODE_BATCH):
                part = nodes[first : first + NODE_BATCH]
                # the text llama-index embeds for a node; its embedding call itself is skipped:
                # its instrumentation copies every vector into events (~9 s per 10k chunks)
                vectors = encoder.embed([n.get_content(metadata_mode=MetadataMode.EMBED) for n in part])
                if pending is not None:
                    pending.result()
                pending = writer.submit(store.upsert_nodes, collection, part, vectors)
            bar.update(len(batch))
        if pending is not None:
            pending.result()
    return counts


def chunk_ids(doc_id: str, count: int) -> list[str]:
    """Ids of the chunks of a document (the splitter names them ``<document id>:<n>``)."""
    return [f"{doc_id}:{i}" for i in range(count)]


def _record(document: Document, chunks: int, stamp: str) -> Document:
    """What the docstore keeps of a document: metadata, chunk count and its file's fingerprint,
    not the text (Chroma holds that), so the docstore stays small for big corpora."""
    from llama_index.core.schema import Document as LlamaDocument

    return LlamaDocument(id_=document.id_, text="", metadata={
        **document.metadata, "chunks": chunks, "file_fingerprint": stamp})


def _missing_in_chroma(collection: Any, records: dict[str, Any]) -> set[str]:
    expected = {
        doc_id: f"{doc_id}:0" for doc_id, doc in records.items() if doc.metadata.get("chunks", 1)
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

    chroma: list[str] = []
    collection = store.open_collection(settings, fresh=True)
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
