"""All settings in one place: defaults, then ``SE_ASSISTANT_*`` environment variables, then
keyword arguments (which is how CLI flags arrive)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from platformdirs import user_cache_dir, user_data_dir
from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from se_assistant.errors import SettingsError
from se_assistant.locations import bundled_corpus_dir

ENV_PREFIX = "SE_ASSISTANT_"
DEFAULT_EMBED_MODEL = "all-MiniLM-L6-v2"


def _default_data_dir() -> Path:
    return Path(user_data_dir("se-assistant", appauthor=False))


def _default_model_cache_dir() -> Path:
    return Path(user_cache_dir("se-assistant", appauthor=False)) / "models"


class Settings(BaseSettings):
    """Every knob of se-assistant. Read from defaults, ``SE_ASSISTANT_<NAME>`` variables and
    keyword arguments, in that order of precedence (later wins)."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, extra="forbid", validate_default=True, frozen=True
    )

    # storage
    data_dir: Path = Field(
        default_factory=_default_data_dir, description="where the index lives (Chroma, docstore, BM25)"
    )
    corpus_dir: Path = Field(
        default_factory=bundled_corpus_dir, description="the corpus ingested when no paths are given"
    )
    collection: str = Field(
        default="se_assistant",
        pattern=r"^[a-zA-Z0-9][a-zA-Z0-9._-]{1,61}[a-zA-Z0-9]$",
        description="Chroma collection name",
    )
    chroma_host: str | None = Field(
        default=None,
        description="use a Chroma server at this host (or URL) instead of the embedded store",
    )
    chroma_port: int = Field(default=8000, ge=1, le=65535, description="port of the Chroma server")
    chroma_ssl: bool = Field(default=False, description="reach the Chroma server over https")
    ingest_lease_seconds: float = Field(
        default=60.0, ge=2, le=86400,
        description="with a Chroma server: how long an ingest's write lease lasts unless renewed "
        "(a killed ingest blocks others at most this long); renewed every third of it",
    )
    follow_seconds: float = Field(
        default=1.0, ge=0, le=3600,
        description="with a Chroma server: how often (at most) a chat server asks Chroma for the "
        "generation",
    )

    # embedding and splitting
    embed_model: str = Field(
        default=DEFAULT_EMBED_MODEL, description="sentence-transformers model name or local folder"
    )
    embed_backend: Literal["onnx", "torch"] = Field(
        default="onnx",
        description="onnx: ONNX Runtime on a cached export of the model (no PyTorch at start-up); "
        "torch: sentence-transformers",
    )
    # int8 is the same model quantized (vectors within cosine ~0.98)
    index_precision: Literal["int8", "float32"] = Field(
        default="int8",
        description="model that embeds chunks at ingest (int8: faster); questions and answer "
        "sentences are always embedded in float32",
    )
    model_cache_dir: Path = Field(
        default_factory=_default_model_cache_dir,
        description="where the ONNX export of the model is kept",
    )
    chunk_tokens: int = Field(
        default=256, ge=32, le=4096, description="most tokens in a chunk (sentence splitting)"
    )
    chunk_overlap: int = Field(
        default=24, ge=0, le=1024, description="tokens shared by neighbouring chunks"
    )
    max_file_mb: float = Field(
        default=100.0, gt=0, description="skip files larger than this",
        json_schema_extra={"command": "ingest"},
    )

    # retrieval and answering
    top_k: int = Field(default=6, ge=1, le=50, description="passages retrieved per question")
    max_answer_sentences: int = Field(
        default=4, ge=1, le=12, description="longest extractive answer, in sentences"
    )
    # the bulk of a question's time on a big corpus; the best-retrieved passages' sentences and
    # word matches go first
    rerank_sentences: int = Field(
        default=48, ge=4, le=1000,
        description="most sentences embedded per question to re-rank passages",
    )
    max_question_chars: int = Field(default=2000, ge=10, description="longest question accepted")

    # optional LLM
    llm_provider: Literal["none", "ollama", "openai-compatible"] = Field(
        default="none", description="LLM that writes the answers (none: extractive answers)"
    )
    llm_model: str | None = Field(default=None, description="model name for the LLM provider")
    llm_base_url: str | None = Field(default=None, description="base URL of the LLM server")
    # never a flag: command lines show up in `ps` and shell history
    llm_api_key: SecretStr | None = Field(
        default=None, description="API key of the LLM server", json_schema_extra={"env_only": True}
    )
    llm_timeout: float = Field(
        default=60.0, gt=0, le=3600,
        description="seconds before falling back to the extractive answer",
    )

    # UI (flags of `se-assistant ui` only)
    ui_host: str = Field(
        default="127.0.0.1", description="address the chat window binds",
        json_schema_extra={"command": "ui", "flag": "--host"},
    )
    ui_port: int = Field(
        default=7860, ge=0, le=65535,
        description="port of the chat window (0: the first free one from 7860)",
        json_schema_extra={"command": "ui", "flag": "--port"},
    )
    ui_auth: SecretStr | None = Field(
        default=None, description="require this login, USER:PASSWORD",
        json_schema_extra={"command": "ui", "flag": "--auth", "metavar": "USER:PASSWORD"},
    )
    ui_concurrency: int = Field(
        default=4, ge=1, le=256, description="questions answered in parallel",
        json_schema_extra={"command": "ui"},
    )
    ui_max_queue: int = Field(
        default=256, ge=1, description="questions waiting beyond this are refused",
        json_schema_extra={"command": "ui"},
    )

    @field_validator("chunk_overlap")
    @classmethod
    def _overlap_below_chunk(cls, value: int, info: Any) -> int:
        tokens = info.data.get("chunk_tokens")
        if tokens is not None and value >= tokens:
            raise ValueError("must be smaller than chunk_tokens")
        return value

    @model_validator(mode="after")
    def _int8_needs_onnx(self) -> Settings:
        if self.embed_backend == "torch" and self.index_precision == "int8":
            raise ValueError(
                "setting 'index_precision' (got 'int8'): int8 needs embed_backend onnx; "
                "with --embed-backend torch also set --index-precision float32 or "
                f"{ENV_PREFIX}INDEX_PRECISION=float32"
            )
        return self

    @model_validator(mode="before")
    @classmethod
    def _chroma_url(cls, data: Any) -> Any:
        """``chroma_host`` may be a URL (http://host:port): split into host, port and ssl."""
        host = data.get("chroma_host") if isinstance(data, dict) else None
        if isinstance(host, str) and "://" in host:
            url = urlsplit(host)
            data = {**data, "chroma_host": url.hostname, "chroma_ssl": url.scheme == "https"}
            if url.port:
                data["chroma_port"] = url.port
        return data

    @field_validator("ui_auth")
    @classmethod
    def _auth_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and ":" not in value.get_secret_value():
            raise ValueError("must look like user:password")
        return value

    @property
    def uses_chroma_server(self) -> bool:
        return bool(self.chroma_host)

    @property
    def chroma_address(self) -> str:
        scheme = "https" if self.chroma_ssl else "http"
        return f"{scheme}://{self.chroma_host}:{self.chroma_port}"

    @classmethod
    def load(cls, **overrides: Any) -> Settings:
        """Build settings; ``None`` overrides are ignored (unset CLI flags). Raises
        :class:`SettingsError` with a one-line message on a bad value."""
        given = {k: v for k, v in overrides.items() if v is not None}
        try:
            return cls(**given)
        except ValidationError as exc:
            raise SettingsError(describe_validation_error(exc)) from None

    def with_overrides(self, **overrides: Any) -> Settings:
        """A copy with some settings replaced, validated like :meth:`load`."""
        merged = {**self.model_dump(), **{k: v for k, v in overrides.items() if v is not None}}
        for key, value in merged.items():
            if isinstance(value, SecretStr):
                merged[key] = value.get_secret_value()
        try:
            return type(self).model_validate(merged)
        except ValidationError as exc:
            raise SettingsError(describe_validation_error(exc)) from None


def setting_extra(name: str) -> dict[str, Any]:
    """What a setting declares beyond its type: ``command`` (the one subcommand whose flag it
    is), ``flag`` (its flag when not ``--<name>``), ``metavar`` (how its help shows the value),
    ``env_only`` (no flag at all)."""
    extra = Settings.model_fields[name].json_schema_extra
    return extra if isinstance(extra, dict) else {}


def setting_flag(name: str) -> str | None:
    """The command-line flag of setting ``name`` (None when it is read only from the
    environment)."""
    extra = setting_extra(name)
    if extra.get("env_only"):
        return None
    return str(extra.get("flag") or f"--{name.replace('_', '-')}")


def describe_validation_error(exc: ValidationError) -> str:
    """First problem of a pydantic error as one line naming the setting and its variable."""
    err = exc.errors()[0]
    if not err.get("loc"):  # a check across settings writes its whole message itself
        return str(err.get("msg", "invalid settings")).removeprefix("Value error, ")
    name = str(err["loc"][0])
    if err.get("type") == "extra_forbidden":
        return f"unknown setting '{name}': see `se-assistant --help` for the settings that exist"
    given = err.get("input")
    shown = "" if name.startswith("llm_api_key") or name == "ui_auth" else f" (got {given!r})"
    message = err.get("msg", "invalid value").removeprefix("Value error, ")
    variable = f"{ENV_PREFIX}{name.upper()}"
    flag = setting_flag(name) if name in Settings.model_fields else None
    fix = f"the {flag} flag or the {variable} variable" if flag else f"the {variable} variable"
    return f"setting '{name}'{shown}: {message}; fix {fix}"
