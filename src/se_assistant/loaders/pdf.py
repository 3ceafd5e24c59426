"""PDF via pypdf: one section per page, locator "page N" (1-based). Text is normalised:
runs of spaces collapsed, words hyphenated across lines rejoined, paragraph breaks kept."""

from __future__ import annotations

import logging
import re
from pathlib import Path

from se_assistant.loaders.base import LoadedFile, LoadError, Section, require_sections

log = logging.getLogger(__name__)

_LIGATURES = str.maketrans({"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi",
                            "\ufb04": "ffl", "\ufb05": "st", "\ufb06": "st"})
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u3000]+")
# "exam-\nple" -> "example"; only when the next line goes on in lower case ("Franco-\nBelgian"
# keeps its hyphen). A soft hyphen (U+00AD) at a line end is always a break inside a word.
_HYPHEN_BREAK = re.compile(r"(\w)-\n(?=[a-zà-öø-ÿ])")
_SOFT_HYPHEN_BREAK = re.compile(r"\u00ad\n")
_BLANK_RUNS = re.compile(r"\n{3,}")


def load(path: Path) -> LoadedFile:
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, EmptyFileError

    try:
        size = path.stat().st_size
    except OSError as exc:
        raise _unreadable(exc) from None
    if size == 0:
        raise LoadError("the file is empty; re-export the PDF or remove it")
    try:
        reader = PdfReader(path)
    except EmptyFileError:
        raise LoadError("the file is empty; re-export the PDF or remove it") from None
    except OSError as exc:
        raise _unreadable(exc) from None
    except Exception as exc:  # pypdf raises many types on broken files
        raise LoadError(f"the PDF is damaged or not a PDF ({_reason(exc)}); re-export it") from None

    if reader.is_encrypted:
        try:
            opened = reader.decrypt("")
        except DependencyError:
            raise LoadError(
                "the PDF is encrypted with AES and the 'cryptography' package is missing; "
                "pip install cryptography, or export an unencrypted copy"
            ) from None
        except Exception as exc:
            raise LoadError(
                f"the PDF is encrypted and cannot be opened ({_reason(exc)}); "
                "export an unencrypted copy"
            ) from None
        if not opened:
            raise LoadError("the PDF is password-protected; export an unencrypted copy")

    try:
        pages = list(reader.pages)
    except OSError as exc:
        raise _unreadable(exc) from None
    except Exception as exc:  # pypdf raises many types on broken files
        raise LoadError(f"the PDF is damaged or not a PDF ({_reason(exc)}); re-export it") from None
    if not pages:
        raise LoadError("the PDF has no pages; re-export it")

    sections: list[Section] = []
    failures: list[tuple[int, Exception]] = []
    for number, page in enumerate(pages, 1):
        try:
            raw = page.extract_text() or ""
        except Exception as exc:  # one broken page must not sink the others
            failures.append((number, exc))
            continue
        text = normalise_text(raw)
        if text:
            sections.append(Section(text=text, locator=f"page {number}"))
    if failures and not sections:
        number, exc = failures[0]
        raise LoadError(
            f"the PDF is damaged (page {number}: {_reason(exc)}); re-export it"
        )
    for number, exc in failures:
        log.warning("%s: page %d skipped, its text cannot be extracted (%s)", path.name, number,
                    _reason(exc))
    if not sections:
        raise LoadError(
            "the PDF has no extractable text (scanned images?); add a text layer with OCR"
        )
    return require_sections(LoadedFile(title=_title(reader, path), sections=sections))


def normalise_text(raw: str) -> str:
    """Tidy text from ``extract_text``: one space between words, hyphenated line breaks
    rejoined, lines stripped, at most one blank line between paragraphs."""
    text = raw.replace("\r\n", "\n").replace("\r", "\n").translate(_LIGATURES)
    text = _CONTROL.sub("", text)
    text = _SPACES.sub(" ", text)
    text = "\n".join(line.strip() for line in text.split("\n"))
    text = _SOFT_HYPHEN_BREAK.sub("", text)
    text = _HYPHEN_BREAK.sub(r"\1", text)
    text = text.replace("\u00ad", "")
    return _BLANK_RUNS.sub("\n\n", text).strip()


def _title(reader, path: Path) -> str:
    try:
        meta = reader.metadata
        title = meta.title if meta is not None else None
    except Exception:  # a damaged /Info dictionary only costs the title
        title = None
    if isinstance(title, str):
        title = _SPACES.sub(" ", _CONTROL.sub("", title)).strip()
        if title and title.lower() != "untitled":
            return title
    return path.stem.replace("_", " ").replace("-", " ").strip() or path.name


def _reason(exc: Exception) -> str:
    text = str(exc).strip()
    reason = text.splitlines()[0] if text else type(exc).__name__
    return reason[:160]


def _unreadable(exc: OSError) -> LoadError:
    return LoadError(f"cannot read the file ({exc.strerror or exc}); check its permissions")
