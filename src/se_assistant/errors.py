"""Errors shown to users: one line that names the thing and the fix."""

from collections.abc import Iterator
from contextlib import contextmanager


class SeAssistantError(Exception):
    """An error meant for people: its message is one line naming the problem and the fix."""


class SettingsError(SeAssistantError):
    """A setting has a wrong type or value."""


class IndexNotReadyError(SeAssistantError):
    """The index is empty or unreachable."""


class IngestLockedError(SeAssistantError):
    """Another ingest holds the data directory."""


class QuestionError(SeAssistantError):
    """A question cannot be asked as given (empty, control characters only, ...)."""


class MissingExtraError(SeAssistantError):
    """An optional part of se-assistant is not installed; the message names the extra."""


@contextmanager
def extra_needed(extra: str, purpose: str, *modules: str) -> Iterator[None]:
    """Turn the ImportError of one of ``modules`` (top-level names) inside the block into one
    line naming the extra that installs it; other ImportErrors pass through."""
    try:
        yield
    except ImportError as exc:
        name = (exc.name or "").split(".")[0]
        if name not in modules:
            raise
        raise MissingExtraError(
            f"{purpose} needs {name}, which is not installed; run: pip install 'se-assistant[{extra}]'"
        ) from None
