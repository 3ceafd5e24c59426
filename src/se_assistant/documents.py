"""From loaded files to llama-index Documents: one Document per section, with the metadata
citations need (source, title, locator, breadcrumb, subject fields) and the breadcrumb in what
is embedded. A section's subject (metadata ``case``) comes from its headings (see
:mod:`se_assistant.subjects`); front matter or section comments may name it instead."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from se_assistant.loaders.base import LoadedFile
from se_assistant.models import BREADCRUMB_SEP
from se_assistant.subjects import Subject, is_numbered, subject_of

if TYPE_CHECKING:
    from llama_index.core.schema import Document

# Optional enrichment carried from front matter or section comments into every chunk's
# metadata; ``source_document``/``source_slide`` say where a rewritten text's facts are in the
# original (front matter ``source:``, renamed so it cannot clash with the chunk's own path).
CASE_FIELDS = (
    "case", "aliases", "city", "country", "country_code", "region", "cluster_type",
    "source_document", "source_slide",
)
# What the embedding and BM25 see besides the text: where the passage is and what it is about.
EMBEDDED_KEYS = ("kind", "breadcrumb", "case", "aliases", "city", "country", "places")


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
    paths = _carry_parts([
        (loaded.title, *(h for h in section.headings if h and h != loaded.title))
        for section in loaded.sections
    ])
    containers = _containers(paths)
    subjects = [_subject(path, containers) for path in paths]
    openings = _openings(paths, subjects)
    for index, section in enumerate(loaded.sections):
        meta = {**file_meta, **{k: v for k, v in section.metadata.items() if k in CASE_FIELDS}}
        headings = list(paths[index][1:])
        if index not in openings:
            meta.update(_subject_fields(subjects[index], meta))
        metadata = {
            "source": source,
            "title": loaded.title,
            "locator": section.locator,
            "section": headings[-1] if headings else loaded.title,
            "breadcrumb": BREADCRUMB_SEP.join([loaded.title, *headings]),
            "kind": kind,
            "root": root_id(root_key),
            **({"opening": True} if index in openings else {}),
            **meta,
        }
        excluded = [k for k in metadata if k not in EMBEDDED_KEYS]
        documents.append(
            Document(
                id_=doc_id(root_key, source, index),
                text=_with_heading(section.text, list(section.headings[-1:])),
                metadata=metadata,
                excluded_embed_metadata_keys=excluded,
                excluded_llm_metadata_keys=excluded,
            )
        )
    return documents


def _with_heading(text: str, headings: list[str]) -> str:
    """The section's text led by its own heading line, as the reader sees it: "Coopcity
    (Brussels, BE)" above the bullets is what says where Coopcity is."""
    lead = [h for h in headings if h and not text.lstrip().startswith(h)]
    return "\n".join([*lead, text]) if lead else text


def _carry_parts(paths: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
    """A numbered part ("II. Projects of cities") named on the first slide or page of the part
    only holds the subjects after it too, until the next part: a deck or a PDF prints the
    part's name once, a reader carries it on."""
    carried: str | None = None
    out: list[tuple[str, ...]] = []
    for path in paths:
        headings = path[1:]
        if len(headings) >= 2 and is_numbered(headings[0]):
            carried = headings[0]
        elif headings and is_numbered(headings[0]):
            carried = None if len(headings) == 1 and subject_of(headings[0]) is None else carried
        elif carried and len(headings) == 1 and subject_of(headings[0]) is not None:
            path = (path[0], carried, *headings)
        out.append(path)
    return out


def _containers(paths: list[tuple[str, ...]]) -> set[tuple[str, ...]]:
    """Heading paths with a subject heading somewhere below them: a deck titled "Annual
    meeting" holding the slides "Acme (Paris, FR)" and "Objectives" is not about the meeting."""
    found: set[tuple[str, ...]] = set()
    for path in paths:
        for depth in range(1, len(path)):
            if subject_of(path[depth]) is not None:
                found.update(path[:i] for i in range(1, depth + 1))
    return found


def _subject(path: tuple[str, ...], containers: set[tuple[str, ...]]) -> Subject | None:
    """The innermost heading of ``path`` naming a subject that is not only a container of
    other subjects: a case description's topics ("Objective") are about its title."""
    for depth in range(len(path), 0, -1):
        subject = subject_of(path[depth - 1])
        if subject is not None and (depth == len(path) or path[:depth] not in containers):
            return subject
    return None


def _openings(paths: list[tuple[str, ...]], subjects: list[Subject | None]) -> set[int]:
    """The sections that open a document about several subjects (a deck's title slide, the
    lines above a report's title): they are about the document itself, not one more subject
    ("European Day 2018" above the slides "Acme (Paris, FR)" and "Beta (Rome, IT)"). A first
    section named like the subjects after it (with their places) is the first of them."""
    candidates = {i for i, path in enumerate(paths) if i == 0 or len(path) == 1}
    others = [s for j, s in enumerate(subjects) if j not in candidates and s is not None]
    if not others:
        return set()
    placed = 2 * sum(bool(s.places) for s in others) > len(others)
    return {i for i in candidates if subjects[i] is None or (not subjects[i].places and placed)}


def _subject_fields(subject: Subject | None, meta: dict[str, str]) -> dict[str, str]:
    """``case`` (the subject), ``aliases`` and ``places`` from the headings; names given in
    front matter win, the heading's name becomes an alias."""
    if subject is None:
        return {}
    fields: dict[str, str] = {}
    named = meta.get("case", "")
    aliases = [a.strip() for a in str(meta.get("aliases", "")).split(",") if a.strip()]
    if named and named != subject.name:
        aliases.append(subject.name)
    fields["case"] = named or subject.name
    aliases.extend(subject.aliases)
    if aliases:
        fields["aliases"] = ", ".join(dict.fromkeys(aliases))
    if subject.places:
        fields["places"] = ", ".join(subject.places)
    return fields
