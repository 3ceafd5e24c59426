"""Follow-up questions made standalone by the language model, in the manner of llama-index's
CondensePlusContext chat engine (same prompt), with the rule-based rewrite as the fallback."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from se_assistant.llm.deadline import within
from se_assistant.llm.provider import describe_failure, is_timeout, is_unreachable, redact

if TYPE_CHECKING:
    from se_assistant.llm.answerer import LLMAnswerer

log = logging.getLogger(__name__)
MAX_TURNS = 3
_LABEL = re.compile(r"^\s*(?:standalone question|question)\s*:\s*", re.IGNORECASE)


@dataclass(frozen=True)
class Condensed:
    """The question to search, and why the model is unavailable ("" when it answered)."""

    query: str
    unavailable: str = ""


def condense(answerer: LLMAnswerer, history: list[tuple[str, str]], question: str,
             rule_based: Callable[[], str], max_chars: int) -> Condensed:
    """``question`` rewritten to stand alone given ``history`` (question, answer pairs).

    Falls back to ``rule_based()`` when the model fails or its reply is unusable; when the model
    could not be reached or timed out, ``unavailable`` says so, so the answer is not attempted
    again within the same question."""
    if not history:
        return Condensed(rule_based())
    from llama_index.core.base.llms.generic_utils import messages_to_history_str
    from llama_index.core.chat_engine.condense_plus_context import (
        DEFAULT_CONDENSE_PROMPT_TEMPLATE,
    )
    from llama_index.core.llms import ChatMessage, MessageRole

    messages = []
    for asked, answered in history[-MAX_TURNS:]:
        messages += [ChatMessage(role=MessageRole.USER, content=asked),
                     ChatMessage(role=MessageRole.ASSISTANT, content=answered)]
    prompt = DEFAULT_CONDENSE_PROMPT_TEMPLATE.format(
        chat_history=messages_to_history_str(messages), question=question
    )
    llm = answerer.llm
    settings = answerer.settings
    try:
        (response,) = list(within(settings.llm_timeout, lambda: [
            llm.chat([ChatMessage(role=MessageRole.USER, content=prompt)])
        ]))
    except Exception as exc:
        reason = describe_failure(exc, settings)
        log.info("follow-up rewritten without the language model: %s", reason)
        log.debug("condense call failed: %s: %s", type(exc).__name__, redact(str(exc), settings))
        down = reason if is_timeout(exc) or is_unreachable(exc) else ""
        return Condensed(rule_based(), down)
    query = _clean(response.message.content or "")
    if not query or len(query) > max_chars:
        log.info("follow-up rewritten without the language model: unusable reply")
        return Condensed(rule_based())
    return Condensed(query)


def _clean(reply: str) -> str:
    lines = [line.strip() for line in reply.strip().splitlines() if line.strip()]
    if not lines:
        return ""
    return _LABEL.sub("", lines[0]).strip().strip("\"'“”").strip()
