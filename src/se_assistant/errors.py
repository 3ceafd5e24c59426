"""Errors shown to users: one line that names the thing and the fix."""


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
