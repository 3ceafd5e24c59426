"""The public entry point: ``Assistant`` ingests material and answers questions with citations."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from se_assistant import ingestion
from se_assistant.answering.lexicon import CONTACT_WORDS
from se_assistant.answering.smalltalk import REPLIES, looks_like_a_question, small_talk_kind
from se_assistant.chat import Chat
from se_assistant.documents import root_id
from se_assistant.errors import IndexNotReadyError, SeAssistantError
from se_assistant.lexical import fold, words
from se_assistant.loaders import SUPPORTED_EXTENSIONS, LoadError, load_file
from se_assistant.models import (
    BREADCRUMB_SEP,
    Answer,
    Citation,
    DocumentInfo,
    IngestReport,
    MaterialInfo,
    MaterialProblem,
    PassageContext,
    SectionText,
)
from se_assistant.questions import clean_question
from se_assistant.request import Request
from se_assistant.settings import Settings
from se_assistant.sources import resolve_roots
from se_assistant.stream import AnswerStream


class Assistant:
    """Question answering over the ingested material.

    >>> assistant = Assistant()                      # default settings
    >>> assistant = Assistant(data_dir="/tmp/index")  # any setting can be overridden
    >>> answer = assistant.ask("how was Pfefferwerk funded?")
    >>> answer.text, answer.citations[0].locator
    """

    def __init__(self, settings: Settings | None = None, **overrides: Any):
        base = settings or Settings.load()
        self.settings = base.with_overrides(**overrides) if overrides else base
        self._retriever = None
        self._answerer = None
        self._llm_answerer = None
        self._lock = threading.Lock()

    # ---- material ------------------------------------------------------------------------
    def ingest(self, paths: list[str | Path] | None = None, progress: bool = False) -> IngestReport:
        """Ingest files or folders (the bundled corpus when ``paths`` is None), incrementally:
        unchanged files embed nothing, changed files replace their chunks, removed files leave."""
        return ingestion.ingest(self.settings, [Path(p) for p in paths] if paths else None, progress)

    @property
    def retriever(self):
        if self._retriever is None:
            with self._lock:
                if self._retriever is None:
                    from se_assistant.retrieval import HybridRetriever  # imports numpy

                    self._retriever = HybridRetriever(self.settings)
        return self._retriever

    def is_ingested(self) -> bool:
        return self.retriever.index_generation() is not None

    def material(self) -> MaterialInfo:
        """The ingested documents with their chunk counts, and when the index last changed."""
        if not self.is_ingested():
            return MaterialInfo(documents=[], chunks=0, ingested_at=None)
        counts: dict[str, int] = {}
        first: dict[str, dict[str, Any]] = {}
        for passage in self.retriever.all_chunks():
            source = str(passage.metadata.get("source", ""))
            counts[source] = counts.get(source, 0) + 1
            first.setdefault(source, passage.metadata)
        documents = [
            DocumentInfo(
                source=source,
                title=str(first[source].get("title", "")),
                kind=str(first[source].get("kind", "")),
                case=str(first[source].get("case", "")),
                chunks=count,
            )
            for source, count in sorted(counts.items())
        ]
        version = self.retriever.version
        stamp = version.ingested_at if version is not None else None
        when = datetime.fromtimestamp(float(stamp)).astimezone() if stamp else None
        return MaterialInfo(documents=documents, chunks=sum(counts.values()), ingested_at=when)

    def ingests_on_first_question(self) -> bool:
        """Whether the first question will ingest the bundled corpus first: nothing is
        ingested yet in the default data dir (another data dir must be ingested explicitly)."""
        return not self.is_ingested() and self._default_data_dir()

    def _default_data_dir(self) -> bool:
        return self.settings.data_dir == Settings.model_fields["data_dir"].default_factory()

    def health(self) -> dict[str, Any]:
        """What a health check reports (``/healthz`` of the UI): whether the index is loaded
        (loading it, or following a newer generation, first), its generation and chunk count,
        and the Chroma it reads. ``ok`` is False, with ``error`` one line, when it cannot
        answer. It never ingests."""
        retriever = self.retriever
        where = self.settings.chroma_address if self.settings.uses_chroma_server else "embedded"
        error = ""
        try:
            retriever.ensure_loaded()
        except SeAssistantError as exc:
            error = str(exc)
        version = retriever.version
        report: dict[str, Any] = {
            "ok": not error and version is not None,
            "index_loaded": version is not None,
            "generation": version.generation if version is not None else None,
            "chunks": retriever.chunk_count if version is not None else 0,
            "ingested_at": version.ingested_at if version is not None else None,
            "chroma": where,
        }
        if error:
            report["error"] = error
        return report

    def _ready(self) -> None:
        if self.is_ingested():
            self.retriever.ensure_loaded()
            return
        if not self._default_data_dir():
            raise IndexNotReadyError(
                f"nothing is ingested in {self.settings.data_dir}; run "
                f"`se-assistant ingest --data-dir {self.settings.data_dir}` first"
            )
        self.ingest()
        self.retriever.ensure_loaded()

    # ---- questions -----------------------------------------------------------------------
    def ask(self, question: str, filters: dict[str, Any] | None = None) -> Answer:
        """Answer one question from the material, each sentence citing its passage.

        ``filters`` narrows the search by metadata, e.g. ``{"subject": "Coopcity"}`` or
        ``{"country": ["France", "Belgium"]}`` (keys: subject (or case), city, country,
        region, cluster_type, source, kind, title). With an LLM configured
        (``llm_provider``), the model writes the answer and its citations are checked
        (``answer.mode == "llm"``); when it fails, the extractive answer is returned and
        ``answer.notice`` says why."""
        return self.respond(self.request(question, filters))

    def ask_stream(self, question: str, filters: dict[str, Any] | None = None) -> AnswerStream:
        """Like :meth:`ask`, streamed: iterate the :class:`AnswerStream` for pieces of text
        as they are written, then call ``.answer()`` for the checked answer, whose text
        replaces the pieces (the check may leave sentences out or renumber markers).
        Without an LLM the whole text comes as one piece."""
        return self.respond_stream(self.request(question, filters))

    def request(self, question: object, filters: dict[str, Any] | None = None) -> Request:
        """A :class:`Request` for ``question`` as typed: cleaned once, its length checked on
        what the user wrote (a raised :class:`QuestionError` says what is wrong)."""
        cleaned = clean_question(question, self.settings.max_question_chars)
        return Request(question=cleaned, query=cleaned, filters=filters)

    def respond(self, request: Request) -> Answer:
        """The answer to a prepared request (see :meth:`request`; :class:`Chat` makes
        requests whose query is a follow-up made standalone)."""
        return self.respond_stream(request).answer()

    def respond_stream(self, request: Request) -> AnswerStream:
        """:meth:`respond`, streamed as :meth:`ask_stream` is."""
        return AnswerStream(self._respond(request))

    def _respond(self, request: Request) -> Iterator[str | Answer]:
        passages, answer, grounded = self._extract(request)
        if grounded and self.settings.llm_provider != "none":
            yield from self.llm_answerer.stream(
                answer.question, request.query, passages, answer,
                unavailable=request.llm_unavailable,
            )
            return
        yield answer.text
        yield answer

    def _extract(self, request: Request) -> tuple[list, Answer, bool]:
        """Retrieval and the extractive answer: (passages, answer, whether the evidence says
        the material answers)."""
        query, info = self._understand(request.query, request.filters)
        self.retriever.normalise_filters(request.filters)  # a bad filter is an error, even for "ok"
        reply = self._small_talk(query, info)
        if reply is not None:
            return [], reply, False
        answer, evidence, _, passages = self._answer(request.question, query, info, request.filters)
        if (not evidence.grounded and request.subjects and not info.entities and not info.places
                and looks_like_a_question(query)):
            # a follow-up that does not say what it asks of ("what was on the site before?"):
            # asked of the subject the conversation is about
            about, about_info = self._understand(query, {"case": list(request.subjects)})
            second = self._answer(request.question, about, about_info, request.filters)
            if second[1].grounded:
                answer, evidence, _, passages = second
        return passages, answer, evidence.grounded

    def _answer(self, question: str, query: str, info, filters: dict[str, Any] | None):
        """The extractive answer, its evidence, the passages re-ranked and those retrieved. A
        question asking several things ("Who launched X, and why?") is asked part by part,
        each part about the subjects the whole names."""
        from se_assistant.answering.question import split_compound

        parts = split_compound(query)
        if len(parts) == 1:
            passages = self._passages(query, info, filters)
            answer, evidence, ranked = self._extractive.answer_and_ranking(
                question, query, info, passages)
            return answer, evidence, ranked, passages
        subjects = {"case": info.entities} if info.entities else filters
        asked = []
        for part in parts:
            part_query, part_info = self._understand(part, subjects)
            asked.append((part_query, part_info, self._passages(part_query, part_info, filters)))
        answer, evidence = self._extractive.answer_parts(question, query, asked)
        passages = list({p.node_id: p for _, _, found in asked for p in found}.values())
        cited = {c.chunk_id for c in answer.citations}
        ranked = [p for p in passages if p.node_id in cited] + [
            p for p in passages if p.node_id not in cited]
        return answer, evidence, ranked, passages

    def small_talk(self, question: str) -> Answer | None:
        """The reply to a turn that asks nothing of the material ("thanks", "ok", markup), or
        None for a question."""
        from se_assistant.answering.question import analyse  # ~5 ms of regexes, kept out of --help

        query = self.request(question).query
        self._ready()
        return self._small_talk(query, analyse(query, self._entity_names(), self._place_names()))

    def _small_talk(self, query: str, info) -> Answer | None:
        if info.entities:
            return None
        kind = small_talk_kind(query, self.retriever.vocabulary, info.terms)
        if not kind:
            return None
        return Answer(text=REPLIES[kind], citations=[], grounded=False, query=query,
                      question=query, kind="smalltalk")

    def _understand(self, query: str, filters: dict[str, Any] | None):
        """What a (cleaned) query asks; a subject filter names the subject the question
        leaves out ("What is the objective?" with subject=Coopcity)."""
        from se_assistant.answering.question import (  # ~5 ms of regexes, kept out of --help
            analyse,
            naming_subject,
        )

        self._ready()
        info = analyse(query, self._entity_names(), self._place_names())
        cases = (filters or {}).get("case") or (filters or {}).get("subject")
        if cases and not info.entities:
            named = " and ".join(self.retriever.normalise_filters({"case": cases})["case"])
            query = f"{query.rstrip(' ?')} ({named})?"
            info = analyse(query, self._entity_names(), self._place_names())
        located = self._subjects_in(info.places)
        if not info.entities and len(located) == 1 and not info.asks_case and info.kind != "where":
            # "the founders of the French cluster" names the one subject in France
            query = naming_subject(query, info, located[0])
            info = analyse(query, self._entity_names(), self._place_names())
        return query, info

    def _passages(self, query: str, info, filters: dict[str, Any] | None) -> list:
        """Retrieval shaped by the question: deeper for lists across cases, and focused on
        the cases a question names (their passages first, then the best of the rest)."""
        retriever = self.retriever
        across = info.is_list and len(info.entities) != 1
        # the sentence re-ranking is the sharper judge: give it a deep pool to choose from
        top_k = max(self.settings.top_k, 16 if across or not info.entities else 10)
        passages = retriever.search(query, filters=filters, top_k=top_k)
        focus = {"case": info.entities or self._subjects_in(info.places)}
        if focus["case"] and not filters:
            focused = retriever.search(query, filters=focus, top_k=top_k)
            seen = {p.node_id for p in focused}
            passages = focused + [p for p in passages if p.node_id not in seen][:3]
        extra = []
        if info.about_document and not filters:  # "Who gave the talk?": the title slides too
            extra = retriever.search(query, filters={"opening": "True"}, top_k=3)
        if info.kind == "contact" and not info.entities:
            # "How can I get in touch with them?" says none of the words contact details go by
            extra += retriever.search(f"{query} {CONTACT_WORDS}", filters=filters, top_k=3)
        seen = {p.node_id for p in passages}
        return passages + [p for p in extra if p.node_id not in seen]

    def search(
        self, query: str, filters: dict[str, Any] | None = None, top_k: int | None = None
    ) -> list[Citation]:
        """The passages ranked highest for ``query``: hybrid retrieval shaped by the question
        (the cases and places it names), re-ranked by each passage's best sentence; the
        passages the extractive answer cites come first (a part's subjects, for one, may not
        have been retrieved)."""
        from se_assistant.answering.extractive import to_citation  # imports numpy

        query, info = self._understand(self.request(query).query, filters)
        answer, _, ranked, _ = self._answer(query, query, info, filters)
        found = list(answer.citations)
        cited = {c.chunk_id for c in found}
        found += [to_citation(p, 0) for p in ranked if p.node_id not in cited]
        limit = top_k or self.settings.top_k
        return [replace(c, number=i + 1) for i, c in enumerate(found[:limit])]

    def chat(self, filters: dict[str, Any] | None = None) -> Chat:
        """A conversation that keeps history and resolves follow-up questions."""
        return Chat(self, filters=filters)

    # ---- helpers -------------------------------------------------------------------------
    @property
    def llm_answerer(self):
        """The :class:`~se_assistant.llm.LLMAnswerer` for ``settings.llm_provider``."""
        if self._llm_answerer is None:
            # the LLM modules (and the urllib/http modules they pull) load only for an LLM
            from se_assistant.llm.answerer import LLMAnswerer

            self._llm_answerer = LLMAnswerer(self.settings)
        return self._llm_answerer

    @property
    def _extractive(self):
        if self._answerer is None:
            from se_assistant.answering.extractive import ExtractiveAnswerer  # imports numpy

            retriever = self.retriever
            self._answerer = ExtractiveAnswerer(
                retriever.encoder, retriever.catalog, self.settings.max_answer_sentences,
                self.settings.rerank_sentences,
            )
        return self._answerer

    def _entity_names(self) -> dict[str, str]:
        names: dict[str, str] = {}
        for entity in self.retriever.entities:
            for name in (*entity.keywords, *entity.names):
                names[" ".join(words(fold(name)))] = entity.name
        return names

    def _place_names(self) -> dict[str, dict[str, str]]:
        return {"place": self.retriever.filter_values.get("place", {})}

    def _subjects_in(self, places: dict[str, list[str]]) -> list[str]:
        """The subjects located in any of the places a question names."""
        named = {fold(v) for values in places.values() for v in values}
        return [e.name for e in self.retriever.entities if named & e.places] if named else []

    def subjects_located_by(self, text: str) -> list[str]:
        """The subjects in the places ``text`` names ("the one in Germany", "the French one")."""
        from se_assistant.answering.question import analyse  # ~5 ms of regexes, kept out of --help

        self._ready()
        return self._subjects_in(analyse(text, {}, self._place_names()).places)

    def entities_in(self, text: str) -> list[str]:
        """The cases ``text`` names (by name or alias)."""
        from se_assistant.answering.question import analyse  # ~5 ms of regexes, kept out of --help

        self._ready()
        return analyse(text, self._entity_names()).entities

    # ---- subjects and material management (used by the chat window) ----------------------
    def subjects(self) -> list[str]:
        """The subjects the material covers, read off its headings (and front matter where a
        file has it): the names ``filters={"subject": name}`` accepts."""
        self._ready()
        return sorted(entity.name for entity in self.retriever.entities)

    def add_files(
        self, files: list[str | Path], names: list[str] | None = None, progress: bool = False
    ) -> IngestReport:
        """Copy ``files`` into the material folder (``settings.corpus_dir``) under ``names``
        (default: their own names), then ingest the folder incrementally.

        A file is refused, and listed under ``failed`` with a one-line reason, when its name
        tries to leave the folder or is hidden, its type has no loader, or it is over
        ``max_file_mb``; a file that cannot be parsed is kept and reported by the ingest, as
        any broken file in the folder is. What is already ingested is never lost."""
        folder = self.settings.corpus_dir.expanduser().resolve()
        max_bytes = int(self.settings.max_file_mb * 1024 * 1024)
        rejected: list[tuple[str, str]] = []
        for index, file in enumerate(files):
            path = Path(file)
            name = names[index] if names else path.name
            reason = _upload_problem(name, path, folder, max_bytes, SUPPORTED_EXTENSIONS)
            if reason:
                rejected.append((name, reason))
                continue
            folder.mkdir(parents=True, exist_ok=True)
            partial = folder / f".{name}.part"  # hidden: an ingest meanwhile skips it
            shutil.copyfile(path, partial)
            partial.replace(folder / name)
        report = self.ingest(progress=progress)
        report.failed = rejected + report.failed
        return report

    def remove_document(self, source: str, progress: bool = False) -> IngestReport:
        """Delete ``source`` (a path relative to the material folder) from the folder and the
        index. Raises :class:`SeAssistantError` when it is not a file of the folder."""
        folder = self.settings.corpus_dir.expanduser().resolve()
        target = (folder / source).resolve()
        if not target.is_relative_to(folder) or target == folder or not target.is_file():
            raise SeAssistantError(
                f"{source} is not a file of the material folder {folder}; pick one from the list"
            )
        target.unlink()
        return self.ingest(progress=progress)

    def problems(self) -> list[MaterialProblem]:
        """Files of the material folder that are not in the index, each with the one-line
        reason an ingest gives (or that it is waiting for the next ingest)."""
        folder = self.settings.corpus_dir.expanduser()
        if not folder.is_dir():
            return []
        corpus = root_id(ingestion.CORPUS_ROOT)
        indexed = (
            {str(p.metadata.get("source", "")) for p in self.retriever.all_chunks()
             if p.metadata.get("root") == corpus}
            if self.is_ingested() else set()
        )
        root = resolve_roots([folder])[0]
        found = [MaterialProblem(rel, reason) for rel, reason in root.skipped]
        max_bytes = int(self.settings.max_file_mb * 1024 * 1024)
        cache = self.__dict__.setdefault("_problem_reasons", {})  # a broken file parses once
        for rel in root.files:
            if rel in indexed:
                continue
            path = root.path / rel
            try:
                key = (str(path), path.stat().st_mtime_ns, path.stat().st_size, max_bytes)
            except OSError:
                key = None
            reason = cache.get(key) if key else None
            if reason is None:
                reason = ingestion.check_file(path, max_bytes)
                if reason is None:
                    try:
                        load_file(path)
                        reason = "not ingested yet; re-ingest to add it"
                    except LoadError as exc:
                        reason = str(exc)
                if key:
                    cache[key] = reason
            found.append(MaterialProblem(rel, reason))
        return found

    def sections(self, source: str) -> list[SectionText]:
        """The sections of ``source`` (relative to the material folder) as its file holds
        them, bullets and tables included; [] when the file is not in the folder."""
        loaded = self._load_source(source)
        if loaded is None:
            return []
        return [
            SectionText(s.locator, BREADCRUMB_SEP.join(h for h in s.headings if h), s.text)
            for s in loaded.sections
        ]

    def passage_context(self, source: str, locator: str) -> PassageContext:
        """The whole section a cited passage comes from and, when its file records where its
        facts come from (front matter ``source`` and ``source_slide``), that original slide."""
        loaded = self._load_source(source)
        if loaded is None:
            return PassageContext(source=source, section=None)
        section = next((s for s in self.sections(source) if s.locator == locator), None)
        meta = {**loaded.metadata}
        for s in loaded.sections:
            if s.locator == locator:
                meta.update(s.metadata)
        original_source, slide = str(meta.get("source", "") or ""), meta.get("source_slide")
        original = None
        if original_source and slide:
            for candidate in (original_source, str(Path(source).parent / original_source)):
                original = next(
                    (s for s in self.sections(candidate) if s.locator == f"slide {slide}"), None
                )
                if original is not None:
                    original_source = candidate
                    break
        return PassageContext(source, section, original_source, original)

    def _load_source(self, source: str):
        """The loaded file of ``source`` in the material folder (cached by size and time), or
        None when it is not there or cannot be loaded."""
        folder = self.settings.corpus_dir.expanduser().resolve()
        path = (folder / source).resolve()
        if not path.is_relative_to(folder) or not path.is_file():
            return None
        stat = path.stat()
        key = (str(path), stat.st_mtime_ns, stat.st_size)
        cache = self.__dict__.setdefault("_loaded_sources", {})
        if key not in cache:
            try:
                cache[key] = load_file(path)
            except LoadError:
                cache[key] = None
            if len(cache) > 256:
                cache.pop(next(iter(cache)))
        return cache[key]


def _upload_problem(
    name: str, path: Path, folder: Path, max_bytes: int, supported: frozenset[str]
) -> str | None:
    """Why an uploaded file cannot go into the material folder under ``name``, or None."""
    if not name or name != Path(name).name or "\\" in name or name in (".", ".."):
        return "the name holds a folder part; upload the file under its own plain name"
    if name.startswith((".", "~")):
        return "hidden file names are not ingested; rename the file"
    if any(ord(ch) < 32 for ch in name):
        return "the name holds control characters; rename the file"
    if not (folder / name).resolve().is_relative_to(folder):
        return "the name leads outside the material folder; rename the file"
    if Path(name).suffix.lower() not in supported:
        try:
            load_file(Path(name))  # refuses the type by its name alone, with the ingest's reason
        except LoadError as exc:
            return str(exc)
    return ingestion.check_file(path, max_bytes)  # the size limit and readability, as an ingest checks
