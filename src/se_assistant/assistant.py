"""The public entry point: ``Assistant`` ingests material and answers questions with citations."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from se_assistant.chat import Chat
from se_assistant.errors import IndexNotReadyError, SeAssistantError
from se_assistant.models import Answer, Citation, DocumentInfo, IngestReport, MaterialInfo
from se_assistant.settings import Settings


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
        from se_assistant.ingestion import ingest

        return ingest(self.settings, [Path(p) for p in paths] if paths else None, progress)

    @property
    def retriever(self):
        if self._retriever is None:
            with self._lock:
                if self._retriever is None:
                    from se_assistant.retrieval import HybridRetriever

                    self._retriever = HybridRetriever(self.settings)
        return self._retriever

    def is_ingested(self) -> bool:
        return self.retriever.index_generation() is not None

    def material(self) -> MaterialInfo:
        """The ingested documents with their chunk counts, and when the index last changed."""
        from datetime import datetime

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
        if self.settings.data_dir != Settings.model_fields["data_dir"].default_factory():
            raise IndexNotReadyError(
                f"nothing is ingested in {self.settings.data_dir}; run "
                f"`se-assistant ingest --data-dir {self.settings.data_dir}` first"
            )
        self.ingest()
        self.retriever.ensure_loaded()

    # ---- questions -----------------------------------------------------------------------
    def ask(
        self,
        question: str,
        filters: dict[str, Any] | None = None,
        *,
        _question: str | None = None,
        _llm_unavailable: str = "",
    ) -> Answer:
        """Answer one question from the material, each sentence citing its passage.

        ``filters`` narrows the search by metadata, e.g. ``{"case": "Coopcity"}`` or
        ``{"country": ["France", "Belgium"]}`` (keys: case, city, country, region,
        cluster_type, source, kind, title). With an LLM configured (``llm_provider``), the
        model writes the answer and its citations are checked (``answer.mode == "llm"``);
        when it fails, the extractive answer is returned and ``answer.notice`` says why."""
        started, query, passages, answer, grounded = self._extract(question, filters, _question)
        if grounded and self.settings.llm_provider != "none":
            answer = self.llm_answerer.answer(
                answer.question, query, passages, answer, unavailable=_llm_unavailable
            )
        self.last_latency = time.perf_counter() - started
        return answer

    def ask_stream(
        self,
        question: str,
        filters: dict[str, Any] | None = None,
        *,
        _question: str | None = None,
        _llm_unavailable: str = "",
    ) -> Iterator[str | Answer]:
        """Like :meth:`ask`, streamed: yields ``str`` pieces of text as they are written, then
        the final :class:`Answer` (always last). Show the pieces as they come, then replace
        them with ``answer.text``: the check may leave sentences out or renumber markers.
        Without an LLM the whole text comes as one piece."""
        started, query, passages, answer, grounded = self._extract(question, filters, _question)
        if grounded and self.settings.llm_provider != "none":
            for item in self.llm_answerer.stream(
                answer.question, query, passages, answer, unavailable=_llm_unavailable
            ):
                if isinstance(item, Answer):
                    self.last_latency = time.perf_counter() - started
                yield item
            return
        self.last_latency = time.perf_counter() - started
        yield answer.text
        yield answer

    def _extract(
        self, question: str, filters: dict[str, Any] | None, _question: str | None
    ) -> tuple[float, str, list, Answer, bool]:
        """Retrieval and the extractive answer: (start time, query, passages, answer,
        whether the evidence says the material answers)."""

        started = time.perf_counter()
        query, info = self._understand(question, filters)
        passages = self._passages(query, info, filters)
        answer, evidence = self._extractive.answer(_question or query, query, info, passages)
        return started, query, passages, answer, evidence.grounded

    def _understand(self, question: str, filters: dict[str, Any] | None):
        """The cleaned query and what it asks; a case filter names the subject the question
        leaves out ("What is the objective?" with case=Coopcity)."""
        from se_assistant.answering.question import analyse
        from se_assistant.questions import clean_question

        query = clean_question(question, self.settings.max_question_chars)
        self._ready()
        info = analyse(query, self._entity_names(), self._place_names())
        cases = (filters or {}).get("case")
        if cases and not info.entities:
            named = " and ".join(self.retriever.normalise_filters({"case": cases})["case"])
            query = f"{query.rstrip(' ?')} ({named})?"
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
        focus = {"case": info.entities} if info.entities else dict(info.places)
        if focus and not filters:
            focused = retriever.search(query, filters=focus, top_k=top_k)
            seen = {p.node_id for p in focused}
            passages = focused + [p for p in passages if p.node_id not in seen][:3]
        return passages

    def search(
        self, query: str, filters: dict[str, Any] | None = None, top_k: int | None = None
    ) -> list[Citation]:
        """The passages ranked highest for ``query``: hybrid retrieval shaped by the question
        (the cases and places it names), re-ranked by each passage's best sentence."""
        from se_assistant.answering.extractive import to_citation

        query, info = self._understand(query, filters)
        passages = self._passages(query, info, filters)
        ranked, _ = self._extractive.rank(query, info, passages)
        return [to_citation(p, i + 1) for i, p in enumerate(ranked[: top_k or self.settings.top_k])]

    def chat(self, filters: dict[str, Any] | None = None) -> Chat:
        """A conversation that keeps history and resolves follow-up questions."""
        return Chat(self, filters=filters)

    # ---- helpers -------------------------------------------------------------------------
    @property
    def llm_answerer(self):
        """The :class:`~se_assistant.llm.LLMAnswerer` for ``settings.llm_provider``."""
        if self._llm_answerer is None:
            from se_assistant.llm.answerer import LLMAnswerer

            self._llm_answerer = LLMAnswerer(self.settings)
        return self._llm_answerer

    @property
    def _extractive(self):
        if self._answerer is None:
            from se_assistant.answering.extractive import ExtractiveAnswerer

            self._answerer = ExtractiveAnswerer(
                self.retriever, self.settings.max_answer_sentences, self.settings.rerank_sentences
            )
        return self._answerer

    def _entity_names(self) -> dict[str, str]:
        from se_assistant.lexical import fold, words

        names: dict[str, str] = {}
        for entity in self.retriever.entities:
            for name in (*entity.keywords, *entity.names):
                names[" ".join(words(fold(name)))] = entity.name
        return names

    def _place_names(self) -> dict[str, dict[str, str]]:
        values = self.retriever.filter_values
        return {key: values.get(key, {}) for key in ("city", "country", "region")}

    def entities_in(self, text: str) -> list[str]:
        """The cases ``text`` names (by name or alias)."""
        from se_assistant.answering.question import analyse

        self._ready()
        return analyse(text, self._entity_names()).entities
