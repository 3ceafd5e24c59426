"""Answers written by a language model from the retrieved passages, checked before they are
returned: when the check fails or the model cannot answer in time, the extractive answer is
returned with a notice saying why."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING

from se_assistant.answering.evidence import Evidence
from se_assistant.answering.extractive import refusal, to_citation
from se_assistant.llm.check import CitationCheck, check_citations
from se_assistant.llm.deadline import within
from se_assistant.llm.prompts import build_messages
from se_assistant.llm.provider import build_llm, describe_failure, redact
from se_assistant.llm.thinking import ThinkingFilter, strip_thinking
from se_assistant.models import Answer

if TYPE_CHECKING:
    from llama_index.core.llms import LLM

    from se_assistant.retrieval import Passage
    from se_assistant.settings import Settings

log = logging.getLogger(__name__)


class LLMAnswerer:
    """Writes answers with the configured model (``settings.llm_provider``).

    Both :meth:`answer` and :meth:`stream` take the extractive answer as ``fallback``: it is
    what the user gets, with :attr:`Answer.notice` saying why, whenever the model's reply is
    missing, late or fails the citation check."""

    def __init__(self, settings: Settings, llm: LLM | None = None):
        self.settings = settings
        self._llm = llm

    @property
    def llm(self) -> LLM:
        """The llama-index LLM, built on first use (raises ``LLMConfigError`` if misconfigured)."""
        if self._llm is None:
            self._llm = build_llm(self.settings)
        return self._llm

    def answer(self, question: str, query: str, passages: list[Passage], fallback: Answer,
               unavailable: str = "") -> Answer:
        """The model's checked answer to ``query`` from ``passages``, or ``fallback``."""
        if unavailable:
            return self._fallback(fallback, unavailable)
        llm, messages = self.llm, self._messages(query, passages)
        try:
            (response,) = list(within(self.settings.llm_timeout, lambda: [llm.chat(messages)]))
            reply = response.message.content or ""
        except Exception as exc:
            return self._fallback(fallback, self._failure(exc))
        return self._checked(reply, passages, fallback)

    def stream(self, question: str, query: str, passages: list[Passage], fallback: Answer,
               unavailable: str = "") -> Iterator[str | Answer]:
        """Yield the model's text as it arrives, then the final checked :class:`Answer`.

        The pieces are unchecked, except that ``<think>`` reasoning is held back; the final
        answer's ``text`` (sentences without a valid marker left out, markers renumbered, or
        the extractive answer) replaces them."""
        if unavailable:
            yield self._fallback(fallback, unavailable)
            return
        llm, messages = self.llm, self._messages(query, passages)
        parts: list[str] = []
        visible = ThinkingFilter()
        try:
            for chunk in within(self.settings.llm_timeout, lambda: llm.stream_chat(messages)):
                if chunk.delta:
                    parts.append(chunk.delta)
                    if shown := visible.feed(chunk.delta):
                        yield shown
        except Exception as exc:
            yield self._fallback(fallback, self._failure(exc))
            return
        if rest := visible.flush():
            yield rest
        yield self._checked("".join(parts), passages, fallback)

    # ---- helpers -------------------------------------------------------------------------
    def _messages(self, query: str, passages: list[Passage]):
        return build_messages(query, passages, self.settings.max_answer_sentences)

    def _failure(self, exc: BaseException) -> str:
        reason = describe_failure(exc, self.settings)
        log.debug("language model call failed: %s: %s", type(exc).__name__,
                  redact(str(exc), self.settings))
        return reason

    def _checked(self, reply: str, passages: list[Passage], fallback: Answer) -> Answer:
        reply = strip_thinking(reply)
        if not reply:
            return self._fallback(fallback, "the language model returned an empty reply")
        check = check_citations(reply, len(passages))
        if not check.cited and "does not cover" in reply.lower():
            return self._not_covered(passages, fallback)
        if check.invalid:
            cited = ", ".join(f"[{n}]" for n in check.invalid)
            return self._fallback(
                fallback,
                f"the language model cited {cited} but only {len(passages)} passages were given",
            )
        if not check.passed:
            return self._fallback(fallback, "the language model's answer cited no passage")
        citations = [to_citation(passages[n - 1], k) for k, n in enumerate(check.cited, start=1)]
        return Answer(text=check.text, citations=citations, grounded=True, query=fallback.query,
                      question=fallback.question, notice=_dropped_notice(check), mode="llm")

    def _not_covered(self, passages: list[Passage], fallback: Answer) -> Answer:
        evidence = Evidence(0.0, reason="the language model found no answer in the passages")
        answer = refusal(fallback.question, fallback.query, passages, evidence)
        return dataclasses.replace(answer, mode="llm")

    @staticmethod
    def _fallback(fallback: Answer, reason: str) -> Answer:
        log.info("showing the extractive answer: %s", reason)
        notice = f"Showing the extractive answer: {reason}."
        if fallback.notice:
            notice = f"{notice} {fallback.notice}"
        return dataclasses.replace(fallback, notice=notice, mode="extractive")


def _dropped_notice(check: CitationCheck) -> str:
    if not check.dropped:
        return ""
    n = len(check.dropped)
    return (f"{n} sentence{'s' if n > 1 else ''} of the model's answer cited no passage and "
            f"{'were' if n > 1 else 'was'} left out.")
