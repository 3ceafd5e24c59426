"""The language model named by the settings, built through llama-index's integrations, and
one-line descriptions of its failures that never contain the API key."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

from se_assistant.errors import SettingsError

if TYPE_CHECKING:
    from llama_index.core.llms import LLM

    from se_assistant.settings import Settings

DEFAULT_OLLAMA_URL = "http://localhost:11434"
# Set explicitly: with Ollama's default (-1) llama-index asks the server for it on every call.
CONTEXT_WINDOW = 8192
TEMPERATURE = 0.1
_MISSING_EXTRA = (
    "the {package} package is missing for llm_provider={provider}; "
    "install the extra with `pip install -e '.[llm]'`"
)


class LLMConfigError(SettingsError):
    """The LLM settings are incomplete, or the ``llm`` extra is not installed."""


def build_llm(settings: Settings) -> LLM:
    """The llama-index LLM for ``settings`` (no retries; ``llm_timeout`` per request).

    Raises :class:`LLMConfigError` when a needed setting or package is missing."""
    provider = settings.llm_provider
    if provider == "none":
        raise LLMConfigError(
            "no language model is configured; set SE_ASSISTANT_LLM_PROVIDER to ollama or "
            "openai-compatible"
        )
    if not settings.llm_model:
        raise LLMConfigError(
            f"setting 'llm_model' is required with llm_provider={provider}; set "
            "SE_ASSISTANT_LLM_MODEL (e.g. llama3.1)"
        )
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
    if provider == "ollama":
        try:
            from llama_index.llms.ollama import Ollama
        except ImportError:
            raise LLMConfigError(
                _MISSING_EXTRA.format(package="llama-index-llms-ollama", provider=provider)
            ) from None
        return Ollama(
            model=settings.llm_model,
            base_url=settings.llm_base_url or DEFAULT_OLLAMA_URL,
            request_timeout=settings.llm_timeout,
            context_window=CONTEXT_WINDOW,
            temperature=TEMPERATURE,
            # Ollama itself needs no key; one set is sent for a proxy in front of it
            headers={"Authorization": f"Bearer {key}"} if key else None,
        )
    if not settings.llm_base_url:
        raise LLMConfigError(
            "setting 'llm_base_url' is required with llm_provider=openai-compatible; set "
            "SE_ASSISTANT_LLM_BASE_URL (e.g. http://localhost:8000/v1)"
        )
    try:
        from llama_index.llms.openai_like import OpenAILike
    except ImportError:
        raise LLMConfigError(
            _MISSING_EXTRA.format(package="llama-index-llms-openai-like", provider=provider)
        ) from None
    return OpenAILike(
        model=settings.llm_model,
        api_base=settings.llm_base_url,
        # a placeholder rather than OPENAI_API_KEY, so no other key is ever sent to this server
        api_key=key or "unused",
        is_chat_model=True,
        is_function_calling_model=False,
        context_window=CONTEXT_WINDOW,
        temperature=TEMPERATURE,
        timeout=settings.llm_timeout,
        max_retries=0,
    )


def base_url(settings: Settings) -> str:
    """The server address for messages, without any user:password part."""
    url = settings.llm_base_url or (DEFAULT_OLLAMA_URL if settings.llm_provider == "ollama" else "")
    parts = urlsplit(url)
    if parts.username or parts.password:
        parts = parts._replace(netloc=parts.hostname + (f":{parts.port}" if parts.port else ""))
    return urlunsplit(parts)


def describe_failure(exc: BaseException, settings: Settings) -> str:
    """Why the model gave no reply, in one line that names neither the key nor the prompt."""
    where = base_url(settings)
    if is_timeout(exc):
        return f"the language model at {where} did not answer within {settings.llm_timeout:g} s"
    status = _status_code(exc)
    if status is not None:
        hint = {
            401: "; check SE_ASSISTANT_LLM_API_KEY",
            403: "; check SE_ASSISTANT_LLM_API_KEY",
            404: f"; check SE_ASSISTANT_LLM_MODEL ({settings.llm_model}) and "
                 "SE_ASSISTANT_LLM_BASE_URL",
        }.get(status, "")
        return f"the language model at {where} answered with HTTP {status}{hint}"
    if is_unreachable(exc):
        return f"the language model at {where} could not be reached"
    return f"the language model at {where} failed ({type(exc).__name__})"


def redact(text: str, settings: Settings) -> str:
    """``text`` with the API key (if any) replaced, for logs."""
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else ""
    return text.replace(key, "***") if key else text


def is_timeout(exc: BaseException) -> bool:
    if isinstance(exc, TimeoutError):
        return True
    names = {cls.__name__ for cls in type(exc).__mro__}
    return bool(names & {"TimeoutException", "APITimeoutError", "ReadTimeout", "ConnectTimeout"})


def is_unreachable(exc: BaseException) -> bool:
    if isinstance(exc, ConnectionError | OSError):
        return True
    names = {cls.__name__ for cls in type(exc).__mro__}
    return bool(
        names & {"ConnectError", "APIConnectionError", "NetworkError", "RemoteProtocolError"}
    )


def _status_code(exc: BaseException) -> int | None:
    status = getattr(exc, "status_code", None)
    if status is None:
        status = getattr(getattr(exc, "response", None), "status_code", None)
    return status if isinstance(status, int) and status >= 400 else None
