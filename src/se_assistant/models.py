"""The typed results that the public API returns."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

# How a breadcrumb joins a passage's heading path ("Deck › Part I › Acme (Paris, FR)").
BREADCRUMB_SEP = " › "


@dataclass(frozen=True)
class Citation:
    """A passage an answer cites (or, for a refusal, a related passage).

    ``source`` is the file path relative to the ingested root, ``locator`` the human place in
    it ("slide 4", "page 2", "§ Funding and capital"), ``quote`` the verbatim passage text and
    ``highlights`` the parts of ``quote`` the answer used. ``origin`` says where the fact is in
    the original material when the source records it ("slide 4 of presentation.md"), else "".
    """

    number: int
    source: str
    title: str
    locator: str
    quote: str
    score: float
    breadcrumb: str = ""
    highlights: tuple[str, ...] = ()
    chunk_id: str = ""
    metadata: dict[str, str] = field(default_factory=dict)
    origin: str = ""  # where the fact is in the original material: "slide 4 of presentation.md"

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["highlights"] = list(self.highlights)
        return data

    @staticmethod
    def origin_from(metadata: dict[str, Any]) -> str:
        """Where a passage's facts are in the original material, from the ``source_document``
        and ``source_slide`` its file records ("slide 4 of presentation.md"); "" when unknown."""
        slide, document = metadata.get("source_slide"), metadata.get("source_document")
        if not slide:
            return ""
        return f"slide {slide} of {document}" if document else f"slide {slide}"


@dataclass(frozen=True)
class Answer:
    """An answer: ``text`` whose sentences end with [n] markers pointing into ``citations``.

    ``grounded`` is False when the material does not answer the question; then ``text`` says
    so and ``related`` holds the closest passages. ``query`` is the standalone question that
    was searched (a follow-up rewritten with what the conversation is about).
    """

    text: str
    citations: list[Citation]
    grounded: bool
    query: str
    question: str = ""
    related: list[Citation] = field(default_factory=list)
    notice: str = ""
    mode: str = "extractive"
    kind: str = "answer"  # "answer" | "refusal" | "smalltalk" (a reply with no citations)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of the answer."""
        return {
            "text": self.text,
            "grounded": self.grounded,
            "query": self.query,
            "question": self.question,
            "mode": self.mode,
            "kind": self.kind,
            "notice": self.notice,
            "citations": [c.to_dict() for c in self.citations],
            "related": [c.to_dict() for c in self.related],
        }


@dataclass
class IngestReport:
    """What an ingest did. Lists hold source paths relative to their ingested root;
    ``failed`` pairs a path with the one-line reason it was skipped."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    embedded: int = 0
    chunks: int = 0
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["failed"] = [{"path": p, "reason": r} for p, r in self.failed]
        return data

    def summary(self) -> str:
        """The report as lines for a terminal."""
        lines = [
            f"added {len(self.added)}, updated {len(self.updated)}, removed {len(self.removed)}, "
            f"unchanged {len(self.unchanged)}, failed {len(self.failed)}; "
            f"embedded {self.embedded} chunks; {self.chunks} chunks in the index "
            f"({self.seconds:.1f} s)"
        ]
        for label, items in (
            ("added", self.added),
            ("updated", self.updated),
            ("removed", self.removed),
        ):
            lines += [f"  {label}: {item}" for item in items]
        lines += [f"  failed: {path}: {reason}" for path, reason in self.failed]
        return "\n".join(lines)


@dataclass(frozen=True)
class DocumentInfo:
    """One ingested document: its ``source`` path, ``title``, ``kind`` ("case",
    "presentation", ...), the ``case`` it describes ("" when none) and its chunk count."""

    source: str
    title: str
    kind: str
    case: str
    chunks: int


@dataclass(frozen=True)
class MaterialInfo:
    """What the index holds: its documents, chunk total and the time of the last ingest
    that changed it (None when nothing is ingested)."""

    documents: list[DocumentInfo]
    chunks: int
    ingested_at: datetime | None


@dataclass(frozen=True)
class SectionText:
    """One section of a document as its file holds it (a slide, page or heading section):
    its ``locator`` ("slide 4", "§ Objective"), its heading path and its full text."""

    locator: str
    heading: str
    text: str


@dataclass(frozen=True)
class PassageContext:
    """What "open" shows for a cited passage: the whole ``section`` it comes from and, when
    the material records it, the ``original`` section (the slide of the presentation) with its
    ``original_source``. Either is None when its file is not in the material folder."""

    source: str
    section: SectionText | None
    original_source: str = ""
    original: SectionText | None = None


@dataclass(frozen=True)
class MaterialProblem:
    """A file of the material folder that is not in the index, with the one-line reason."""

    source: str
    reason: str
