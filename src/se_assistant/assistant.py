"""The public entry point: ``Assistant`` ingests material and answers questions with citations."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from se_assistant.chat import Chat
from se_assistant.errors import IndexNotReadyError
from se_assistant.models import Answer, Citation, IngestReport
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
    def ask(self, question: str, filters: dict[str, Any] | None = None, *,
            _question: str | None = None) -> Answer:
        """Answer one question from the material, each sentence citing its passage.

        ``filters`` narrows the search by metadata, e.g. ``{"case": "Coopcity"}`` or
        ``{"country": ["France", "Belgium"]}`` (keys: case, city, country, region,
        cluster_type, source, kind, title)."""
        from se_assistant.answering.question import analyse
        from se_assistant.questions import clean_question

        query = clean_question(question, self.settings.max_question_chars)
        self._ready()
        started = time.perf_counter()
        info = analyse(query, self._entity_names())
        passages = self.retriever.search(query, filters=filters)
        answer, _evidence = self._extractive.answer(_question or query, query, info, passages)
        self.last_latency = time.perf_counter() - started
        return answer

    def search(self, query: str, filters: dict[str, Any] | None = None,
               top_k: int | None = None) -> list[Citation]:
        """The passages retrieval ranks highest for ``query`` (no answer composed)."""
        from se_assistant.answering.extractive import to_citation
        from se_assistant.questions import clean_question

        query = clean_question(query, self.settings.max_question_chars)
        self._ready()
        passages = self.retriever.search(query, filters=filters, top_k=top_k)
        return [to_citation(p, i + 1) for i, p in enumerate(passages)]

    def chat(self, filters: dict[str, Any] | None = None) -> Chat:
        """A conversation that keeps history and resolves follow-up questions."""
        return Chat(self, filters=filters)

    # ---- helpers -------------------------------------------------------------------------
    @property
    def _extractive(self):
        if self._answerer is None:
            from se_assistant.answering.extractive import ExtractiveAnswerer

            self._answerer = ExtractiveAnswerer(self.retriever, self.settings.max_answer_sentences)
        return self._answerer

    def _entity_names(self) -> dict[str, str]:
        from se_assistant.lexical import fold, words

        names: dict[str, str] = {}
        for entity in self.retriever.entities:
            for name in entity.names:
                names[" ".join(words(fold(name)))] = entity.name
        return names

    def entities_in(self, text: str) -> list[str]:
        """The cases ``text`` names (by name or alias)."""
        from se_assistant.answering.question import analyse

        self._ready()
        return analyse(text, self._entity_names()).entities
