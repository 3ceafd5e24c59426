"""HTML for answers, their cited passages and the material list.

Every piece of corpus or user text goes through :func:`text`, which escapes it for HTML and
also entity-encodes the characters that Markdown, LaTeX and Gradio's HTML templates treat as
syntax, so a passage is always shown as the text it is and never runs as markup or script.

An answer message carries its own source cards (``.se-cards``): on a phone they open under
the answer; on a wide screen the page script (assets/app.js) shows them in the side panel
whenever the answer or one of its ``[n]`` badges is clicked, so every answer keeps its sources.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

# html.escape leaves these alone, but the chat's Markdown renderer, its LaTeX pass and
# gr.HTML's template engine give them meaning.
_SYNTAX = str.maketrans({
    "$": "&#36;", "{": "&#123;", "}": "&#125;", "[": "&#91;", "]": "&#93;", "(": "&#40;",
    ")": "&#41;", "*": "&#42;", "_": "&#95;", "`": "&#96;", "\\": "&#92;", "~": "&#126;",
    "|": "&#124;", "#": "&#35;", "!": "&#33;", ":": "&#58;", '"': "&#34;", "'": "&#39;",
})
_MARKER = re.compile(r"\s*\[(\d+)\]")
_SPACES = re.compile(r"\s+")
_BULLET = re.compile(r"^(\s*)(?:[-*+•]|\d+[.)])\s+(.*)$")
_TABLE_RULE = re.compile(r"^\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?$")

# A passage context for the "open" action: (source, locator) -> object with ``section``,
# ``original`` (each with ``locator`` and ``text``, or None) and ``original_source``.
Opener = Callable[[str, str], Any]


def text(value: Any) -> str:
    """``value`` as inert HTML text (runs of whitespace become one space)."""
    # quote=False: its entities would contain "#", which the table below encodes again;
    # the table encodes the quotes instead.
    return html.escape(_SPACES.sub(" ", str(value)), quote=False).translate(_SYNTAX)


# ---- passages: highlights, bullets and tables ---------------------------------------------
def _spans(raw: str, highlights: Iterable[str]) -> list[tuple[int, int]]:
    """Merged character spans of ``raw`` that the highlights cover (whitespace may differ:
    a sentence cut from a bullet list can span a line break)."""
    spans: list[tuple[int, int]] = []
    for part in highlights:
        words = part.split()
        if not words:
            continue
        pattern = re.compile(r"\s+".join(re.escape(w) for w in words))
        spans += [m.span() for m in pattern.finditer(raw)]
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(a, b) for a, b in merged]


def _inline(raw: str, start: int, end: int, spans: Sequence[tuple[int, int]]) -> str:
    """``raw[start:end]`` as inert HTML, the parts inside ``spans`` in ``<mark>``."""
    out, pos = [], start
    for a, b in spans:
        a, b = max(a, start), min(b, end)
        if a >= b:
            continue
        out.append(text(raw[pos:a]))
        out.append(f"<mark>{text(raw[a:b])}</mark>")
        pos = b
    out.append(text(raw[pos:end]))
    return "".join(out).strip()


def highlighted(quote: str, highlights: Iterable[str]) -> str:
    """``quote`` as one line of inert HTML with each highlight in ``<mark>``."""
    return _inline(quote, 0, len(quote), _spans(quote, highlights))


def passage(raw: str, highlights: Iterable[str] = ()) -> str:
    """A passage as blocks: paragraphs, bullet lists (nested by indentation) and tables, each
    highlighted sentence in ``<mark>``."""
    spans = _spans(raw, highlights)
    lines, pos = [], 0
    for line in raw.split("\n"):
        lines.append((line, pos))
        pos += len(line) + 1
    out: list[str] = []
    para: list[str] = []
    depth = 0  # open <ul> levels
    indents: list[int] = []
    rows: list[str] = []

    def close_para() -> None:
        if para:
            out.append(f"<p>{' '.join(para)}</p>")
            para.clear()

    def close_list(to: int = 0) -> None:
        nonlocal depth
        while depth > to:
            out.append("</li></ul>")
            depth -= 1
            indents.pop()

    def close_table() -> None:
        if rows:
            out.append(f'<div class="se-table-wrap"><table class="se-ptable">{"".join(rows)}</table></div>')
            rows.clear()

    for line, start in lines:
        stripped = line.strip()
        bullet = _BULLET.match(line)
        if stripped.startswith("|") and stripped.endswith("|") and len(stripped) > 1:
            close_para()
            close_list()
            if _TABLE_RULE.match(stripped):
                continue
            cells, cell_start = [], start + line.index("|") + 1
            for cell in stripped[1:-1].split("|"):
                cells.append(_inline(raw, cell_start, cell_start + len(cell), spans))
                cell_start += len(cell) + 1
            tag = "th" if not rows else "td"
            rows.append("<tr>" + "".join(f"<{tag}>{c}</{tag}>" for c in cells) + "</tr>")
            continue
        close_table()
        if bullet:
            close_para()
            indent = len(bullet.group(1).expandtabs(4))
            if depth == 0 or indent > indents[-1]:
                out.append("<ul>")
                depth += 1
                indents.append(indent)
            else:
                while depth > 1 and indent < indents[-1]:
                    close_list(depth - 1)
                out.append("</li>")
            item_start = start + bullet.start(2)
            out.append(f"<li>{_inline(raw, item_start, start + len(line), spans)}")
        elif not stripped:
            close_para()
            close_list()
        elif depth:  # a continuation line of a bullet
            out.append(" " + _inline(raw, start, start + len(line), spans))
        else:
            para.append(_inline(raw, start, start + len(line), spans))
    close_para()
    close_list()
    close_table()
    return "".join(out)


# The chat's sanitizer drops data-* attributes: a badge and its card share a class instead
# (se-ref-<n>, se-card-<n>).

# ---- chat messages ------------------------------------------------------------------------
def kind_of(answer: dict[str, Any]) -> str:
    """"answer", "refusal" or "smalltalk" (older answers without ``kind``: from grounded)."""
    kind = str(answer.get("kind") or "")
    return kind if kind else ("answer" if answer.get("grounded") else "refusal")


def answer_text(value: str, tips: dict[int, str] | None = None) -> str:
    """Answer text with its ``[n]`` markers as citation badges; ``tips`` gives the sentence
    each badge shows on hover."""
    out, pos = [], 0
    for match in _MARKER.finditer(value):
        number = int(match.group(1))
        out.append(text(value[pos : match.start()]))
        tip = (tips or {}).get(number, "")
        tip_html = f'<span class="se-tip">{text(tip)}</span>' if tip else ""
        out.append(
            f'<sup class="se-ref se-ref-{number}" tabindex="0" role="button">'
            f"{number}{tip_html}</sup>"
        )
        pos = match.end()
    out.append(text(value[pos:]))
    return "".join(out).strip()


def question(value: str) -> str:
    """A user's question for the chat."""
    return f'<div class="se-question">{text(value)}</div>'


def question_shown(value: str, limit: int, preview: int = 280) -> str:
    """A question as the chat shows it; one over ``limit`` shows its start and says how long
    it is (the whole text stays in the box to be shortened)."""
    if len(value) <= limit:
        return question(value)
    return (f'<div class="se-question">{text(value[:preview])}… <span class="se-long">'
            f"({len(value):,} characters, over the {limit:,} limit)</span></div>")


def counter(limit: int) -> str:
    """The character counter under the question box (assets/app.js keeps it current)."""
    return (f'<div class="se-counter" data-limit="{limit}" aria-live="polite">'
            f'<span class="se-count">0</span> / {limit:,} characters'
            '<span class="se-over-msg"></span></div>')


def answer_message(answer: dict[str, Any], opener: Opener | None = None) -> str:
    """The chat message for an answer dict (``Answer.to_dict()``): refusal badge, text with
    ``[n]`` badges, the searched question in small print, and the answer's own source cards."""
    kind = kind_of(answer)
    body = str(answer.get("text", ""))
    if kind == "smalltalk":
        return f'<div class="se-answer se-smalltalk"><p class="se-text">{text(body)}</p></div>'
    grounded = kind == "answer"
    sources = (answer.get("citations") if grounded else answer.get("related")) or []
    tips = {int(c["number"]): " ".join(c.get("highlights") or []) or str(c["quote"])
            for c in sources}
    parts = [f'<div class="se-answer{"" if grounded else " se-refused"}">']
    if not grounded:
        parts.append('<span class="se-badge se-refusal">Not in the material</span>')
    parts.append(f'<p class="se-text">{answer_text(body, tips if grounded else None)}</p>')
    searched = str(answer.get("query", "")).strip()
    if searched and searched.casefold() != str(answer.get("question", "")).strip().casefold():
        parts.append(f'<p class="se-searched">searched: {text(searched)}</p>')
    if answer.get("subject"):
        parts.append(f'<p class="se-searched">only in: {text(answer["subject"])}</p>')
    if answer.get("notice"):
        parts.append(f'<p class="se-notice">{text(answer["notice"])}</p>')
    if sources:
        label = "Sources" if grounded else "Related passages (none answers the question)"
        parts.append(
            f'<details class="se-sources"><summary>{label} · {len(sources)}</summary>'
            f"{panel_body(answer, sources, grounded, opener)}</details>"
        )
    parts.append("</div>")
    return "".join(parts)


def error_message(message: str) -> str:
    """A one-line error for the chat."""
    return f'<div class="se-error" role="alert">{text(message)}</div>'


def passages_panel(answer: dict[str, Any] | None, opener: Opener | None = None) -> str:
    """The side panel: each cited passage (or, for a refusal, each related passage) with
    title, locator, provenance, source and the used sentences highlighted."""
    if not answer or kind_of(answer) == "smalltalk":
        return (
            '<div class="se-panel"><div class="se-panel-head">Sources</div>'
            '<div class="se-panel-body"><p class="se-empty">The passages an answer cites appear '
            "here, with the sentences it used highlighted. Click an earlier answer or one of "
            "its numbers to see its sources again.</p></div></div>"
        )
    grounded = kind_of(answer) == "answer"
    sources: Sequence[dict[str, Any]] = answer.get("citations" if grounded else "related") or []
    return (
        f'<div class="se-panel{"" if grounded else " se-panel-related"}">'
        f'<div class="se-panel-head">{"Sources" if grounded else "Related passages"}</div>'
        f'<div class="se-panel-body">{panel_body(answer, sources, grounded, opener)}</div></div>'
    )


def panel_body(answer: dict[str, Any], sources: Sequence[dict[str, Any]], grounded: bool,
               opener: Opener | None) -> str:
    asked = str(answer.get("question") or answer.get("query") or "")
    head = f'<p class="se-for">for “{text(asked)}”</p>' if asked else ""
    note = (
        "" if grounded else
        '<p class="se-empty">The material does not answer the question; these are the '
        "closest passages, and none of them answers it.</p>"
    )
    if not sources:
        return head + note + '<p class="se-empty">No passage is close to the question.</p>'
    return head + note + _cards(sources, grounded, opener)


def _cards(sources: Sequence[dict[str, Any]], grounded: bool, opener: Opener | None) -> str:
    return '<div class="se-cards">' + "".join(_card(c, grounded, opener) for c in sources) + "</div>"


def _card(c: dict[str, Any], grounded: bool, opener: Opener | None) -> str:
    number = int(c["number"])
    highlights = c.get("highlights", []) if grounded else []
    crumb = _crumb_beyond(str(c.get("breadcrumb", "")), str(c["title"]), str(c["locator"]))
    crumb_html = f'<div class="se-crumb">{text(crumb)}</div>' if crumb else ""
    origin = str(c.get("origin") or "")
    origin_html = f'<div class="se-origin">from {text(origin)}</div>' if origin else ""
    return (
        f'<div class="se-card se-card-{number}">'
        f'<div class="se-card-head"><span class="se-num">{number}</span>'
        f'<span class="se-title">{text(c["title"])}</span></div>'
        f'<div class="se-meta"><span class="se-loc">{text(c["locator"])}</span>'
        f'<span class="se-src">{text(c["source"])}</span></div>{origin_html}{crumb_html}'
        f'<div class="se-quote">{passage(str(c["quote"]), highlights)}</div>'
        f"{_opened(c, highlights, opener)}</div>"
    )


def _opened(c: dict[str, Any], highlights: Sequence[str], opener: Opener | None) -> str:
    """The "open" action: the whole section (and the original slide) inline, no round trip."""
    if opener is None:
        return ""
    context = opener(str(c["source"]), str(c["locator"]))
    parts = []
    if context.section is not None:
        parts.append(
            f'<div class="se-open-head">{text(c["locator"])} of {text(c["source"])}</div>'
            f'<div class="se-full">{passage(context.section.text, highlights)}</div>'
        )
    if context.original is not None:
        parts.append(
            f'<div class="se-open-head">Original: {text(context.original.locator)} of '
            f'{text(context.original_source)}</div>'
            f'<div class="se-full se-original">{passage(context.original.text)}</div>'
        )
    if not parts:
        return ""
    what = "the section and its slide" if context.original is not None else "the whole section"
    return f'<details class="se-open"><summary>Open {what}</summary>{"".join(parts)}</details>'


def _crumb_beyond(crumb: str, title: str, locator: str) -> str:
    """The breadcrumb without what the card already shows (title, and a locator that names
    the same single heading)."""
    parts = [p.strip() for p in crumb.split("›") if p.strip()]
    if parts and parts[0] == title:
        parts = parts[1:]
    if len(parts) == 1 and parts[0] in locator:
        parts = []
    return " › ".join(parts)


# ---- material tab ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Refused:
    """An upload refused before it reached the material folder, listed with the failures."""

    source: str
    reason: str


def material_table(material: Any, problems: Sequence[Any] = (), checked: str = "") -> str:
    """The Material tab's table: failed files first with their one-line reasons, then one row
    per ingested document (``Assistant.material()`` and ``Assistant.problems()``)."""
    when = material.ingested_at.strftime("%Y-%m-%d %H:%M:%S") if material.ingested_at else "never"
    failed = [p for p in problems if not str(p.reason).startswith("not ingested yet")]
    waiting = [p for p in problems if p not in failed]
    summary = (
        f'<p class="se-summary"><b>{len(material.documents)}</b> documents, '
        f"<b>{material.chunks}</b> chunks, <b>{len(failed)}</b> failed"
        + (f", {len(waiting)} waiting to be ingested" if waiting else "")
        + f"; index last changed {text(when)}"
        + (f"; last ingest run {text(checked)}" if checked else "")
        + "</p>"
    )
    rows = [
        f'<tr class="se-failed"><td><span class="se-status se-status-failed">failed</span> '
        f'<span class="se-src">{text(p.source)}</span>'
        f'<div class="se-reason">{text(p.reason)}</div></td><td class="se-n">–</td></tr>'
        for p in failed
    ]
    rows += [
        f'<tr class="se-waiting"><td><span class="se-status">waiting</span> '
        f'<span class="se-src">{text(p.source)}</span>'
        f'<div class="se-reason">{text(p.reason)}</div></td><td class="se-n">–</td></tr>'
        for p in waiting
    ]
    rows += [
        f'<tr><td><span class="se-doc-title">{text(d.title or d.source)}</span>'
        + (f' <span class="se-kind">{text(d.kind)}</span>' if d.kind else "")
        + f'<div class="se-src">{text(d.source)}</div></td><td class="se-n">{d.chunks}</td></tr>'
        for d in material.documents
    ]
    if not rows:
        return summary + '<p class="se-empty">Nothing is ingested yet: add files or press “Re-ingest”.</p>'
    return (
        summary + '<div class="se-scroll"><table class="se-table"><thead><tr><th>Document</th>'
        f'<th class="se-n">Chunks</th></tr></thead><tbody>{"".join(rows)}</tbody></table></div>'
    )


def ingest_report(report: Any, action: str = "ingest") -> str:
    """One line of what an ingest or upload did, then a line per failed file."""
    lines = [
        f"{action}: added {len(report.added)}, updated {len(report.updated)}, removed "
        f"{len(report.removed)}, unchanged {len(report.unchanged)}, failed {len(report.failed)}; "
        f"{report.chunks} chunks in the index ({report.seconds:.1f} s)"
    ]
    lines += [f"failed: {path}: {reason}" for path, reason in report.failed]
    lines += [f"added: {path}" for path in report.added]
    lines += [f"removed: {path}" for path in report.removed]
    return "\n".join(lines)


def sections_preview(source: str, sections: Sequence[Any]) -> str:
    """Every section of a document, as the file holds it."""
    if not sections:
        return (f'<p class="se-empty">{text(source)} is not a readable file of the material '
                "folder.</p>")
    items = "".join(
        f'<details class="se-section"><summary><span class="se-loc">{text(s.locator)}</span> '
        f"{text(s.heading)}</summary>{passage(s.text)}</details>"
        for s in sections
    )
    return (f'<div class="se-preview"><div class="se-panel-head">{text(source)} · '
            f"{len(sections)} sections</div>{items}</div>")
