"""Optional LLM answers: a local or hosted model writes the answer from the retrieved passages;
every [n] it writes is checked, and the extractive answer is returned when the check fails or
the model cannot be reached. Needs the ``llm`` extra (``pip install -e '.[llm]'``)."""

from se_assistant.llm.answerer import LLMAnswerer
from se_assistant.llm.check import CitationCheck, check_citations
from se_assistant.llm.provider import LLMConfigError, build_llm

__all__ = ["CitationCheck", "LLMAnswerer", "LLMConfigError", "build_llm", "check_citations"]
