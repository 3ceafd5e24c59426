"""A conversation: keeps history and makes each follow-up standalone before it is searched."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from se_assistant.answering.smalltalk import asks_for_more, nothing_more, only_asks_for_more
from se_assistant.followups import about_section, is_elliptical, resolve
from se_assistant.models import BREADCRUMB_SEP
from se_assistant.request import Request
from se_assistant.stream import AnswerStream
from se_assistant.subjects import clean_heading

if TYPE_CHECKING:
    from se_assistant.assistant import Assistant
    from se_assistant.models import Answer


@dataclass
class Turn:
    question: str
    answer: Answer
    focus: list[str]


@dataclass
class Chat:
    """A conversation with the assistant. ``ask`` answers follow-ups such as "How was it
    funded?" by rewriting them with what the conversation is about; the rewritten question is
    ``answer.query``."""

    assistant: Assistant
    filters: dict[str, Any] | None = None
    history: list[Turn] = field(default_factory=list)

    @property
    def focus(self) -> list[str]:
        """The cases the conversation is currently about."""
        return self.history[-1].focus if self.history else []

    def standalone(self, question: str) -> str:
        """The question as it will be searched, given the conversation so far."""
        retriever = self.assistant.retriever
        retriever.ensure_loaded()
        mentions = self.assistant.entities_in(question)
        located = [] if mentions or not is_elliptical(question) else (
            self.assistant.subjects_located_by(question))
        if len(located) == 1 and self.focus and located != self.focus:
            # "and the one in Germany?": the subject there, asked what was asked of the last
            question, mentions = f"And {located[0]}?", located
        previous = self.history[-1] if self.history else None
        # by any of its names, or a word only its name has ("Pfefferwerk's aim")
        names = [n for e in retriever.entities if e.name in self.focus
                 for n in (*e.names, *e.keywords)]
        if not self.focus and not mentions:
            # "who is quoted there?" after an answer from one part of no subject ("Wish list")
            question = about_section(question, self._section_talked_about())
        return resolve(
            question,
            focus=self.focus,
            previous_query=previous.answer.query if previous else None,
            previous_focus=names,
            mentions=mentions,
        )

    def _section_talked_about(self) -> str:
        """The heading of the one section the last answer cites, when it is about no subject
        ("Wish list" for '“Wish list” (not exhaustive...)'); "" otherwise."""
        previous = self.history[-1].answer if self.history else None
        if previous is None or any(c.metadata.get("case") for c in previous.citations):
            return ""
        sections = {clean_heading(re.sub(r"\s*\([^)]*\)$", "", clean_heading(
            c.breadcrumb.split(BREADCRUMB_SEP)[-1]))) for c in previous.citations}
        return sections.pop() if len(sections) == 1 else ""

    def ask(self, question: str) -> Answer:
        """Answer ``question`` in the context of the earlier turns."""
        return self.ask_stream(question).answer()

    def ask_stream(self, question: str) -> AnswerStream:
        """Like :meth:`ask`, streamed as :meth:`Assistant.ask_stream` is; the final answer is
        added to the history when the stream completes."""
        request = self.assistant.request(question, self.filters)  # cleaned once, length checked
        cleaned = request.question
        answer = self._conversational(cleaned)
        if answer is not None:
            self.history.append(Turn(cleaned, answer, self.focus))
            return AnswerStream(iter([answer.text, answer]))
        query, unavailable = self._standalone_query(cleaned)
        stream = self.assistant.respond_stream(
            Request(question=cleaned, query=query, filters=self.filters,
                    llm_unavailable=unavailable, subjects=tuple(self.focus))
        )
        return stream.on_done(
            lambda final: self.history.append(Turn(cleaned, final, self._focus_after(query, final)))
        )

    def _conversational(self, question: str) -> Answer | None:
        """Small talk gets its reply; "what else?" after an answer gets the rest of what its
        passages say. None when the turn is a question to search."""
        from se_assistant.answering.extractive import more_from  # imports numpy

        previous = next((t.answer for t in reversed(self.history) if t.answer.citations), None)
        if asks_for_more(question) and not self.assistant.entities_in(question):
            if previous is not None:
                more = more_from(question, previous)
                if more is not None:
                    return more
                return nothing_more(question)
            if only_asks_for_more(question):
                return self.assistant.small_talk("ok")
        return self.assistant.small_talk(question)

    def _standalone_query(self, question: str) -> tuple[str, str]:
        """The question to search, and why the LLM is unavailable ("" if it is not known to
        be): with an LLM configured it condenses follow-ups, else the rules rewrite them."""
        if self.assistant.settings.llm_provider == "none" or not self.history:
            return self.standalone(question), ""
        from se_assistant.llm.condense import condense  # the LLM modules load only for an LLM

        turns = [(t.question, t.answer.text) for t in self.history]
        condensed = condense(self.assistant.llm_answerer, turns, question,
                             lambda: self.standalone(question),
                             self.assistant.settings.max_question_chars)
        return condensed.query, condensed.unavailable

    def _focus_after(self, query: str, answer: Answer) -> list[str]:
        named = self.assistant.entities_in(query)
        if named:
            return named
        cases = {c.metadata.get("case") for c in answer.citations if c.metadata.get("case")}
        return sorted(cases) if len(cases) == 1 else []

    def reset(self) -> None:
        """Forget the conversation."""
        self.history.clear()
