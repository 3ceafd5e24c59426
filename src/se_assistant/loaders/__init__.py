"""Loaders, one per format, chosen by file extension. Each returns a :class:`LoadedFile`."""

from __future__ import annotations

import importlib
from pathlib import Path

from se_assistant.loaders.base import LoadedFile, LoadError, Section

# extension -> module in this package with a ``load(path) -> LoadedFile`` function
LOADERS: dict[str, str] = {
    ".md": "markdown",
    ".markdown": "markdown",
    ".txt": "text",
    ".pdf": "pdf",
    ".pptx": "pptx",
    ".docx": "docx",
    ".html": "html",
    ".htm": "html",
}

SUPPORTED_EXTENSIONS = frozenset(LOADERS)


def load_file(path: Path) -> LoadedFile:
    """Load one file with the loader for its extension; raises :class:`LoadError` with a
    one-line reason when the file cannot be used."""
    module_name = LOADERS.get(path.suffix.lower())
    if module_name is None:
        supported = ", ".join(sorted(SUPPORTED_EXTENSIONS))
        raise LoadError(f"unsupported file type '{path.suffix or path.name}'; use one of {supported}")
    module = importlib.import_module(f"se_assistant.loaders.{module_name}")
    try:
        return module.load(path)
    except LoadError:
        raise
    except PermissionError:
        raise LoadError("cannot read the file (permission denied); check its permissions") from None
    except Exception as exc:  # a parser library failing on a broken file: report, skip, go on
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise LoadError(f"cannot parse the {path.suffix} file ({reason[:160]}); check that it opens") from None


__all__ = ["LOADERS", "SUPPORTED_EXTENSIONS", "LoadError", "LoadedFile", "Section", "load_file"]
