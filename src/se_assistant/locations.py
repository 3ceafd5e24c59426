"""Where the project's files are, in a repository checkout (editable install) and in an
installed wheel alike: the one place that knows the difference."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

PACKAGE = "se_assistant"


def bundled_corpus_dir() -> Path:
    """The corpus shipped with the package (package data ``se_assistant/corpus``: in a checkout
    a link to the top-level ``corpus/``, in a wheel a copy of it)."""
    return Path(str(resources.files(PACKAGE) / "corpus"))


def checkout_root() -> Path | None:
    """The repository checkout this package runs from (``src/se_assistant`` below a
    ``pyproject.toml``), or None for an installed wheel."""
    root = Path(__file__).resolve().parents[2]
    if (root / "pyproject.toml").is_file() and (root / "src" / PACKAGE).is_dir():
        return root
    return None


def project_file(in_checkout: str, in_package: str | None = None) -> Path | None:
    """``in_checkout`` (relative to the repository root) when running from a checkout, else
    ``in_package`` (relative to the installed package) when the wheel carries it; None when
    neither exists."""
    root = checkout_root()
    if root is not None and (root / in_checkout).exists():
        return root / in_checkout
    if in_package is not None:
        packaged = Path(str(resources.files(PACKAGE) / in_package))
        if packaged.exists():
            return packaged
    return None
