"""HTML for answers, cited passages and the material list.

Every piece of corpus or user text goes through :func:`text`, which escapes it for HTML and
also entity-encodes the characters that Markdown, LaTeX and Gradio's HTML templates treat as
syntax, so a passage is always shown as the text it is and never runs as markup or script.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
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


def text(value: Any) -> str:
    """``value`` as inert HTML text (runs of whitespace become one space)."""
    # quote=False: its entities would contain "#", which the table below encodes again;
    # the table encodes the quotes instead.
    return html.escape(_SPACES.sub(" ", str(value)), quote=False).translate(_SYNTAX)


def highlighted(quote: str, highlights: Iterable[str]) -> str:
    """``quote`` as inert HTML with each highlight (a verbatim substring) in ``<mark>``."""
    spans: list[tuple[int, int]] = []
    for part in highlights:
        start = quote.find(part) if part else -1
        while start != -1:
            spans.append((start, start + len(part)))
            start = quote.find(part, start + len(part))
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out, pos = [], 0
    for start, end in merged:
        out.append(text(quote[pos:start]))
        out.append(f"<mark>{text(quote[start:end])}</mark>")
        pos = end
    out.append(text(quote[pos:]))
    return "".join(out).strip()


def answer_text(value: str) -> str:
    """Answer text with its ``[n]`` markers as citation badges."""
    out, pos = [], 0
    for match in _MARKER.finditer(value):
        out.append(text(value[pos : match.start()]))
        out.append(f'<sup class="se-ref">{int(match.group(1))}</sup>')
        pos = match.end()
    out.append(text(value[pos:]))
    return "".join(out).strip()


def question(value: str) -> str:
    """A user's question for the chat."""
    return f'<div class="se-question">{text(value)}</div>'


def answer_message(answer: dict[str, Any]) -> str:
    """The chat message for an answer dict (``Answer.to_dict()``): badge, text with markers,
    searched question in small print, and the list of sources."""
    grounded = bool(answer.get("grounded"))
    parts = ['<div class="se-answer">']
    if not grounded:
        parts.append('<span class="se-badge se-refusal">Not in the material</span>')
    parts.append(f'<p class="se-text">{answer_text(str(answer.get("text", "")))}</p>')
    searched = str(answer.get("query", "")).strip()
    if searched and searched.casefold() != str(answer.get("question", "")).strip().casefold():
        parts.append(f'<p class="se-searched">searched: {text(searched)}</p>')
    if answer.get("notice"):
        parts.append(f'<p class="se-notice">{text(answer["notice"])}</p>')
    sources = answer.get("citations") if grounded else answer.get("related")
    if sources:
        label = "Sources" if grounded else "Related passages"
        items = "".join(
            f'<li><span class="se-num">{int(c["number"])}</span> {text(c["title"])}'
            f' <span class="se-loc">{text(c["locator"])}</span></li>'
            for c in sources
        )
        parts.append(f'<div class="se-sources-label">{label}</div><ul class="se-list">{items}</ul>')
    parts.append("</div>")
    return "".join(parts)


def error_message(message: str) -> str:
    """A one-line error for the chat."""
    return f'<div class="se-error">{text(message)}</div>'


def passages_panel(answer: dict[str, Any] | None) -> str:
    """The side panel: each cited passage (or, for a refusal, each related passage) with
    title, locator, source and the used sentences highlighted."""
    if not answer:
        return (
            '<div class="se-panel"><div class="se-panel-head">Sources</div>'
            '<p class="se-empty">The passages an answer cites appear here, with the sentences '
            "it used highlighted.</p></div>"
        )
    grounded = bool(answer.get("grounded"))
    sources: Sequence[dict[str, Any]] = answer.get("citations" if grounded else "related") or []
    head = "Sources" if grounded else "Related passages"
    note = (
        "" if grounded else
        '<p class="se-empty">The material does not answer the question; these are the '
        "closest passages.</p>"
    )
    cards = "".join(_card(c, related=not grounded) for c in sources)
    if not sources:
        cards = '<p class="se-empty">No passage is close to the question.</p>'
    kind = "se-panel" if grounded else "se-panel se-panel-related"
    return f'<div class="{kind}"><div class="se-panel-head">{head}</div>{note}{cards}</div>'


def _card(c: dict[str, Any], related: bool) -> str:
    crumb = _crumb_beyond(str(c.get("breadcrumb", "")), str(c["title"]), str(c["locator"]))
    crumb_html = f'<div class="se-crumb">{text(crumb)}</div>' if crumb else ""
    body = highlighted(str(c["quote"]), [] if related else c.get("highlights", []))
    return (
        f'<div class="se-card" id="se-source-{int(c["number"])}">'
        f'<div class="se-card-head"><span class="se-num">{int(c["number"])}</span>'
        f'<span class="se-title">{text(c["title"])}</span></div>'
        f'<div class="se-meta"><span class="se-loc">{text(c["locator"])}</span>'
        f'<span class="se-src">{text(c["source"])}</span></div>{crumb_html}'
        f'<blockquote class="se-quote">{body}</blockquote></div>'
    )


def _crumb_beyond(crumb: str, title: str, locator: str) -> str:
    """The breadcrumb without what the card already shows (title, and a locator that names
    the same single heading)."""
    parts = [p.strip() for p in crumb.split("›") if p.strip()]
    if parts and parts[0] == title:
        parts = parts[1:]
    if len(parts) == 1 and parts[0] in locator:
        parts = []
    return " › ".join(parts)


def material_table(material: Any) -> str:
    """The Material tab's table: one row per document (``Assistant.material()``)."""
    if not material.documents:
        return '<p class="se-empty">Nothing is ingested yet: press “Re-ingest the corpus”.</p>'
    when = material.ingested_at.strftime("%Y-%m-%d %H:%M %Z") if material.ingested_at else "never"
    rows = "".join(
        f"<tr><td>{text(d.title)}</td><td class='se-src'>{text(d.source)}</td>"
        f"<td>{text(d.kind)}</td><td class='se-n'>{d.chunks}</td></tr>"
        for d in material.documents
    )
    return (
        f'<p class="se-summary">{len(material.documents)} documents, {material.chunks} chunks; '
        f"last ingest {text(when)}</p>"
        '<div class="se-scroll"><table class="se-table"><thead><tr><th>Title</th><th>Source</th>'
        '<th>Kind</th><th class="se-n">Chunks</th></tr></thead>'
        f"<tbody>{rows}</tbody></table></div>"
    )
