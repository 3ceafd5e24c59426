"""se-assistant: questions answered with citations over the REVES social economy material.

    from se_assistant import Assistant
    answer = Assistant().ask("how was Pfefferwerk funded?")
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = [
    "Answer", "AnswerStream", "Assistant", "Chat", "Citation", "IngestReport", "Request",
    "SeAssistantError", "Settings",
]

if TYPE_CHECKING:
    from se_assistant.assistant import Assistant
    from se_assistant.chat import Chat
    from se_assistant.errors import SeAssistantError
    from se_assistant.models import Answer, Citation, IngestReport
    from se_assistant.request import Request
    from se_assistant.settings import Settings
    from se_assistant.stream import AnswerStream

_LAZY = {
    "Assistant": "se_assistant.assistant",
    "Chat": "se_assistant.chat",
    "Answer": "se_assistant.models",
    "AnswerStream": "se_assistant.stream",
    "Request": "se_assistant.request",
    "Citation": "se_assistant.models",
    "IngestReport": "se_assistant.models",
    "SeAssistantError": "se_assistant.errors",
    "Settings": "se_assistant.settings",
}


def __getattr__(name: str) -> Any:  # heavy imports wait until a name is used
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'se_assistant' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
