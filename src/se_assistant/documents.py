"""From loaded files to llama-index Documents: one Document per section, with the metadata
citations need (source, title, locator, breadcrumb, case fields) and the breadcrumb in what
is embedded."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from se_assistant.loaders.base import LoadedFile

if TYPE_CHECKING:
    from llama_index.core.schema import Document

BREADCRUMB_SEP = " › "
# Case fields carried from front matter or section comments into every chunk's metadata.
CASE_FIELDS = ("case", "aliases", "city", "country", "country_code", "region", "cluster_type",
               "source_document", "source_slide")
# What the embedding and BM25 see besides the text: where the passage is and what it is about.
EMBEDDED_KEYS = ("kind", "breadcrumb", "case", "aliases", "city", "country")


def root_id(root_key: str) -> str:
    return hashlib.sha1(root_key.encode()).hexdigest()[:10]


def doc_id(root_key: str, source: str, index: int) -> str:
    return f"{root_id(root_key)}:{source}#{index}"


def to_documents(loaded: LoadedFile, source: str, root_key: str) -> list[Document]:
    """One Document per section, ids stable across runs so unchanged sections embed nothing."""
    from llama_index.core.schema import Document

    documents: list[Document] = []
    # front matter `source:` (the original a file was taken from) would clash with the path
    file_meta = {("source_document" if k == "source" else k): v for k, v in loaded.metadata.items()
                 if k in CASE_FIELDS or k == "source"}
    kind = loaded.metadata.get("kind", "")
    for index, section in enumerate(loaded.sections):
        meta = {**file_meta, **{k: v for k, v in section.metadata.items() if k in CASE_FIELDS}}
        headings = [h for h in section.headings if h and h != loaded.title]
        metadata = {
            "source": source,
            "title": loaded.title,
            "locator": section.locator,
            "section": headings[-1] if headings else loaded.title,
            "breadcrumb": BREADCRUMB_SEP.join([loaded.title, *headings]),
            "kind": kind,
            "root": root_id(root_key),
            **meta,
        }
        excluded = [k for k in metadata if k not in EMBEDDED_KEYS]
        documents.append(
            Document(
                id_=doc_id(root_key, source, index),
                text=section.text,
                metadata=metadata,
                excluded_embed_metadata_keys=excluded,
                excluded_llm_metadata_keys=excluded,
            )
        )
    return documents
