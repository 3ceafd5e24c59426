"""The language model named by the settings, built through llama-index's integrations, and
one-line descriptions of its failures that never contain the API key."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any
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
    """Why the model gave no reply, in one line that names neither the key nor the prompt;
    the server's own error message (Ollama's ``{"error": "..."}``, OpenAI's
    ``{"error": {"message": "..."}}``) is quoted, key redacted."""
    where = base_url(settings)
    if is_timeout(exc):
        return f"the language model at {where} did not answer within {settings.llm_timeout:g} s"
    said = _one_line(redact(server_message(exc), settings))
    detail = f": {said}" if said else ""
    status = _status_code(exc)
    if status is not None:
        hint = {
            401: "; check SE_ASSISTANT_LLM_API_KEY",
            403: "; check SE_ASSISTANT_LLM_API_KEY",
            404: f"; check SE_ASSISTANT_LLM_MODEL ({settings.llm_model}) and "
                 "SE_ASSISTANT_LLM_BASE_URL",
        }.get(status, "")
        return f"the language model at {where} answered with HTTP {status}{detail}{hint}"
    if is_unreachable(exc):
        return f"the language model at {where} could not be reached"
    if said:  # an error the server sent in place of (or in the middle of) a reply
        return f"the language model at {where} reported an error{detail}"
    return f"the language model at {where} failed ({type(exc).__name__})"


def redact(text: str, settings: Settings) -> str:
    """``text`` with the API key (if any) replaced, for logs."""
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else ""
    return text.replace(key, "***") if key else text


# The exception classes of the HTTP client and of the llama-index integrations' SDKs, imported
# only when a call has failed (the SDKs come with the optional `llm` extra).
def _httpx() -> Any:
    import httpx

    return httpx


def _sdk(name: str) -> Any:
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def is_timeout(exc: BaseException) -> bool:
    if isinstance(exc, TimeoutError | _httpx().TimeoutException):
        return True
    openai = _sdk("openai")
    return openai is not None and isinstance(exc, openai.APITimeoutError)


def is_unreachable(exc: BaseException) -> bool:
    httpx = _httpx()
    # the ollama SDK raises the builtin ConnectionError when it cannot connect
    if isinstance(exc, OSError | httpx.NetworkError | httpx.RemoteProtocolError):
        return True
    openai = _sdk("openai")
    return openai is not None and isinstance(exc, openai.APIConnectionError)


def server_message(exc: BaseException) -> str:
    """The error message the server sent with ``exc`` ("" when there is none)."""
    body: Any = None
    ollama, openai = _sdk("ollama"), _sdk("openai")
    if ollama is not None and isinstance(exc, ollama.ResponseError):
        body = exc.error
    elif openai is not None and isinstance(exc, openai.APIError):
        body = exc.body if exc.body is not None else exc.message
    elif isinstance(exc, _httpx().HTTPStatusError):
        body = _json_error(exc.response)
    if isinstance(body, dict):
        body = body.get("message") or body.get("error")
    return body if isinstance(body, str) else ""


def _json_error(response: Any) -> Any:
    try:
        data = response.json()
    except ValueError:
        return None
    return data.get("error") if isinstance(data, dict) else None


def _status_code(exc: BaseException) -> int | None:
    status: Any = None
    ollama, openai = _sdk("ollama"), _sdk("openai")
    if ollama is not None and isinstance(exc, ollama.ResponseError):
        status = exc.status_code  # -1 for an error sent in the middle of a stream
    elif openai is not None and isinstance(exc, openai.APIStatusError):
        status = exc.status_code
    elif isinstance(exc, _httpx().HTTPStatusError):
        status = exc.response.status_code
    return status if isinstance(status, int) and status >= 400 else None


def _one_line(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
