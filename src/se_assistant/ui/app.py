"""The Gradio chat window: ask, read the answer with its [n] markers and see the cited
passages beside it (every answer keeps its own; a click on an earlier answer or its [n] shows
them again), narrow the conversation to one subject; a Material tab lists what is ingested,
failures first, takes new files, removes and previews documents and re-ingests the folder.

Started by ``se-assistant ui``, or from Python::

    from se_assistant import Settings
    from se_assistant.ui.app import launch
    launch(Settings.load())

It uses only the public API of ``se_assistant``. Gradio is imported at the top because this
module is only ever loaded to run the window.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections import OrderedDict
from datetime import datetime
from pathlib import Path
from typing import Any

import gradio as gr

from se_assistant import Assistant, Chat, SeAssistantError, Settings
from se_assistant.ui import render

log = logging.getLogger("se_assistant.ui")

HERE = Path(__file__).resolve().parent
CSS_PATH = HERE / "assets" / "app.css"
JS_PATH = HERE / "assets" / "app.js"
MAX_CONVERSATIONS = 1000
TITLE = "REVES clusters assistant"

SUPPORTED_UPLOADS = "md, txt, pdf, pptx, docx, html"
ALL_SUBJECTS = "All subjects"
ANSWERABLE_EXAMPLES = 5

# Example questions for the bundled corpus, by subject; other subjects get a generic question
# (see example_questions). Curated here, in the window, never in se_assistant.
CURATED_EXAMPLES = {
    "Pfefferwerk Foundation": "How was Pfefferwerk funded?",
    "Coopcity": "Which programmes does Coopcity run?",
    "Fondazione Horcynus Orca": "Who is involved in Fondazione Horcynus Orca?",
    "Impuls Cooperatiu de Sants": "What is the objective of Impuls Cooperatiu de Sants?",
    "REALIS": "Who set up REALIS?",
}
# for subjects without a curated question: one round of the first template, then the second
SUBJECT_TEMPLATES = ("What is the objective of {}?", "Who is involved in {}?")
GENERIC_EXAMPLE = "What is this material about?"
UNANSWERABLE_EXAMPLE = "What is the capital of Australia?"
UNANSWERABLE_LABEL = "Not in the material (shows a refusal): What is the capital of Australia?"


class Conversations:
    """Server-side :class:`Chat` objects by conversation id, so that browser sessions and API
    clients alike get follow-ups; the least recently used beyond ``limit`` are forgotten."""

    def __init__(self, assistant: Assistant, limit: int = MAX_CONVERSATIONS):
        self.assistant = assistant
        self.limit = limit
        self._chats: OrderedDict[str, tuple[Chat, dict[str, Any] | None]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, conversation_id: str = "", filters: dict[str, Any] | None = None
            ) -> tuple[str, Chat]:
        """The conversation with this id (a new one when the id is empty or unknown, or when
        it was narrowed by other ``filters``)."""
        with self._lock:
            known = self._chats.get(conversation_id) if conversation_id else None
            if known is not None and known[1] == filters:
                self._chats.move_to_end(conversation_id)
                return conversation_id, known[0]
            new_id = uuid.uuid4().hex
            chat = self.assistant.chat(filters=filters) if filters else self.assistant.chat()
            self._chats[new_id] = (chat, filters)
            self._chats.pop(conversation_id, None)
            while len(self._chats) > self.limit:
                self._chats.popitem(last=False)
            return new_id, chat

    def drop(self, conversation_id: str) -> None:
        with self._lock:
            self._chats.pop(conversation_id, None)

    def __len__(self) -> int:
        return len(self._chats)


def example_questions(assistant: Assistant) -> list[dict[str, str]]:
    """Five questions the material answers (one per subject it covers, curated or generic),
    then one labelled as a question it cannot answer; as Chatbot example messages."""
    subjects = assistant.subjects()
    # curated questions first (the bundled material), then one per other subject
    questions = [CURATED_EXAMPLES[s] for s in subjects if s in CURATED_EXAMPLES]
    questions += [SUBJECT_TEMPLATES[0].format(s) for s in subjects if s not in CURATED_EXAMPLES]
    questions += [SUBJECT_TEMPLATES[1].format(s) for s in subjects]
    questions = list(dict.fromkeys(questions or [GENERIC_EXAMPLE]))[:ANSWERABLE_EXAMPLES]
    return [*({"text": q} for q in questions),
            {"text": UNANSWERABLE_EXAMPLE, "display_text": UNANSWERABLE_LABEL}]


def subject_filter(subject: str | None) -> dict[str, Any] | None:
    return {"case": subject} if subject and subject != ALL_SUBJECTS else None


def build_app(assistant: Assistant) -> gr.Blocks:
    """The chat window over ``assistant``, with the named API endpoint ``/ask``."""
    conversations = Conversations(assistant)
    limit = assistant.settings.max_question_chars
    last_run = {"at": ""}  # when this window last ran an ingest (a no-change one included)
    # uploads the last upload refused (they never reach the folder): listed until the next one
    refused: list[Any] = []

    def ask(question: str, conversation_id: str = "") -> dict[str, Any]:
        """Answer a question from the material. Returns the answer (text with [n] markers,
        grounded, query, citations, related) plus `conversation_id`: pass it back with the
        next question to ask a follow-up in the same conversation."""
        try:
            return _answer(conversations, question, conversation_id)
        except SeAssistantError as exc:
            raise gr.Error(str(exc), print_exception=False) from None

    def respond(question: str, history: list[dict[str, Any]], conversation_id: str,
                subject: str | None):
        raw = question or ""
        if not raw.strip():
            yield gr.skip(), gr.skip(), gr.skip(), gr.skip()
            return
        history = [*history, {"role": "user", "content": render.question_shown(raw, limit)}]
        yield history, gr.skip(), gr.skip(), gr.skip()
        try:
            conversation_id, chat = conversations.get(conversation_id or "",
                                                      subject_filter(subject))
            shown = ""
            result = None
            stream = chat.ask_stream(raw)
            for piece in stream:  # LLM text as it comes, then the checked answer
                shown += piece
                partial = {"role": "assistant", "content": render.answer_text(shown)}
                yield [*history, partial], gr.skip(), "", gr.skip()
            result = {**stream.answer().to_dict(), "conversation_id": conversation_id,
                      "subject": subject if subject_filter(subject) else ""}
        except SeAssistantError as exc:
            message = str(exc)
        except Exception:  # a bug must not reach the page as a traceback
            log.exception("answering %r failed", question)
            message = "something went wrong while answering; the server log has the details"
        else:
            opener = assistant.passage_context
            history.append({"role": "assistant", "content": render.answer_message(result, opener)})
            panel_html = (gr.skip() if render.kind_of(result) == "smalltalk"
                          else render.passages_panel(result, opener))
            yield history, panel_html, "", result["conversation_id"]
            return
        # the question stays in the box, so that it can be fixed and sent again
        history.append({"role": "assistant", "content": render.error_message(message)})
        yield history, gr.skip(), raw, conversation_id

    def new_conversation(conversation_id: str):
        conversations.drop(conversation_id)
        return [], render.passages_panel(None), gr.skip(), ""

    def pick_example(evt: gr.SelectData) -> str:
        return str(evt.value.get("text", "")) if isinstance(evt.value, dict) else str(evt.value)

    def material_view(**document_update: Any):
        """The table and the document list, as the index and the folder are now."""
        material, problems = assistant.material(), assistant.problems()
        table = render.material_table(material, [*refused, *problems], last_run["at"])
        sources = sorted({d.source for d in material.documents} | {p.source for p in problems})
        return table, gr.update(choices=sources, **document_update)

    def subject_choices():
        return gr.update(choices=[ALL_SUBJECTS, *assistant.subjects()])

    def after_ingest(summary: str, **document_update: Any):
        last_run["at"] = datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S")
        table, documents = material_view(**document_update)
        return summary, table, documents, subject_choices()

    def reingest(progress=gr.Progress(track_tqdm=True)):  # noqa: B008 (Gradio's idiom)
        progress(0, desc="Ingesting the material folder…")
        try:
            summary = render.ingest_report(assistant.ingest(progress=True), "re-ingest")
        except SeAssistantError as exc:
            summary = f"error: {exc}"
        return after_ingest(summary)

    def upload(files: list[str] | None, progress=gr.Progress(track_tqdm=True)):  # noqa: B008
        if not files:
            return gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
        progress(0, desc=f"Adding {len(files)} file(s) and ingesting…")
        refused.clear()
        try:
            report = assistant.add_files(list(files), progress=True)
        except SeAssistantError as exc:
            summary = f"error: {exc}"
        else:
            summary = render.ingest_report(report, "upload")
            in_folder = {p.source for p in assistant.problems()}
            refused.extend(render.Refused(f"{name} (upload)", reason)
                           for name, reason in report.failed if name not in in_folder)
        return (*after_ingest(summary), None)

    def remove(source: str | None, progress=gr.Progress(track_tqdm=True)):  # noqa: B008
        if not source:
            return "pick a document in the list first", gr.skip(), gr.skip(), gr.skip(), ""
        progress(0, desc=f"Removing {source}…")
        try:
            summary = render.ingest_report(assistant.remove_document(source), f"remove {source}")
        except SeAssistantError as exc:
            summary = f"error: {exc}"
        return (*after_ingest(summary, value=None), "")

    def preview(source: str | None) -> str:
        if not source:
            return '<p class="se-empty">Pick a document to preview its sections.</p>'
        return render.sections_preview(source, assistant.sections(source))

    examples = example_questions(assistant)
    # No telemetry: the window is a local tool and must work without the internet.
    with gr.Blocks(title=TITLE, analytics_enabled=False) as demo:
        conversation = gr.State("")
        gr.HTML(
            f'<div class="se-header"><h1>{render.text(TITLE)}</h1><p>Questions answered from '
            "the REVES material “The role of clusters and regions in scaling up” and its "
            "cluster cases. Every sentence cites the passage it comes from.</p></div>",
            js_on_load=None,
        )
        with gr.Tabs(elem_id="se-tabs"):
            with gr.Tab("Chat", id="chat"), gr.Row(equal_height=False, elem_id="se-chat-row"):
                with gr.Column(scale=3, min_width=300, elem_id="se-main"):
                    chatbot = gr.Chatbot(
                        label="Conversation",
                        show_label=False,
                        elem_id="se-chat",
                        height=520,
                        examples=examples,
                        placeholder="Ask about the material, or pick an example.",
                        sanitize_html=True,
                        latex_delimiters=[],
                        feedback_options=None,
                        buttons=["copy"],
                        group_consecutive_messages=False,
                    )
                    with gr.Row(elem_id="se-ask-row"):
                        box = gr.Textbox(
                            show_label=False,
                            placeholder="Ask about the material…",
                            lines=1,
                            max_lines=4,
                            scale=5,
                            elem_id="se-question",
                            submit_btn=False,
                        )
                        ask_btn = gr.Button("Ask", variant="primary", scale=1, min_width=70,
                                            elem_id="se-ask")
                    gr.HTML(render.counter(limit), elem_id="se-counter-box", js_on_load=None)
                    with gr.Row(elem_id="se-tools"):
                        subject = gr.Dropdown(
                            [ALL_SUBJECTS, *assistant.subjects()], value=ALL_SUBJECTS,
                            label="Subject", show_label=False, scale=3, min_width=160,
                            elem_id="se-subject", info=None, filterable=False,
                        )
                        new_btn = gr.Button("New conversation", variant="secondary", size="sm",
                                            scale=1, min_width=120, elem_id="se-new")
                with gr.Column(scale=2, min_width=300, elem_id="se-side"):
                    panel = gr.HTML(render.passages_panel(None), elem_id="se-panel",
                                    js_on_load=None)
            with gr.Tab("Material", id="material") as material_tab:
                table = gr.HTML(elem_id="se-material", js_on_load=None)
                files = gr.File(label=f"Add files: {SUPPORTED_UPLOADS}", file_count="multiple",
                                elem_id="se-upload", height=130)
                with gr.Row(elem_id="se-doc-row"):
                    document = gr.Dropdown([], label="Document", scale=3, min_width=180,
                                           elem_id="se-document", filterable=True)
                    preview_btn = gr.Button("Preview sections", size="sm", scale=1,
                                            min_width=100, elem_id="se-preview-btn")
                    remove_btn = gr.Button("Remove", variant="stop", size="sm", scale=1,
                                           min_width=80, elem_id="se-remove")
                ingest_btn = gr.Button("Re-ingest the material folder", variant="primary",
                                       size="sm", elem_id="se-reingest")
                report_box = gr.Textbox("No ingest has run in this window yet.",
                                        label="Last ingest", lines=3, max_lines=12,
                                        interactive=False, elem_id="se-report")
                sections = gr.HTML(elem_id="se-sections", js_on_load=None)

        outputs = [chatbot, panel, box, conversation]
        inputs = [box, chatbot, conversation, subject]
        private = {"api_visibility": "private"}
        box.submit(respond, inputs, outputs, **private)
        ask_btn.click(respond, inputs, outputs, **private)
        chatbot.example_select(pick_example, None, box, **private).then(
            respond, inputs, outputs, **private
        )
        new_btn.click(new_conversation, conversation, outputs, **private)
        ingested = [report_box, table, document, subject]
        busy = {"show_progress_on": [report_box], **private}
        ingest_btn.click(reingest, None, ingested, **busy)
        files.upload(upload, files, [*ingested, files], **busy)
        remove_btn.click(remove, document, [*ingested, sections], **busy,
                         js="(source) => (source && confirm('Remove ' + source + ' from the "
                            "material folder and the index?')) ? source : null")
        preview_btn.click(preview, document, sections, **private)
        document.change(preview, document, sections, **private)
        demo.load(material_view, None, [table, document], **private)
        material_tab.select(material_view, None, [table, document], **private)
        gr.api(ask, api_name="ask")
    return demo


def _answer(conversations: Conversations, question: str, conversation_id: str) -> dict[str, Any]:
    conversation_id, chat = conversations.get(conversation_id or "")
    answer = chat.ask(question)
    return {**answer.to_dict(), "conversation_id": conversation_id}


def launch_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for ``Blocks.launch`` from the settings (host, port, auth, style)."""
    auth = None
    if settings.ui_auth is not None:
        user, _, password = settings.ui_auth.get_secret_value().partition(":")
        auth = (user, password)
    return {
        "server_name": settings.ui_host,
        "server_port": settings.ui_port or None,
        "auth": auth,
        "css_paths": [CSS_PATH],
        "head": f"<script>{JS_PATH.read_text(encoding='utf-8')}</script>",
        # a hard stop for huge uploads; below it the window refuses files over max_file_mb
        # with its own one-line reason, as an ingest does
        "max_file_size": int(settings.max_file_mb * 2 * 1024 * 1024) + 10 * 1024 * 1024,
        "theme": gr.themes.Soft(
            primary_hue="teal", neutral_hue="slate",
            font=["ui-sans-serif", "system-ui", "Segoe UI", "Roboto", "sans-serif"],
            font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "monospace"],
        ),
        "show_error": True,
        "footer_links": ["api"],
    }


def prepare(assistant: Assistant, out=print) -> None:
    """Ingest the corpus when nothing is ingested yet, then load the index and the embedding
    model, so that the first question is fast."""
    if not assistant.is_ingested():
        out(f"nothing is ingested in {assistant.settings.data_dir}: "
            f"ingesting {assistant.settings.corpus_dir} (first start only)")
        out(assistant.ingest(progress=True).summary())
    assistant.search("warm-up", top_k=1)


def launch(settings: Settings, *, assistant: Assistant | None = None, block: bool = True,
           out=print) -> gr.Blocks:
    """Prepare the index, build the window and serve it on ``settings.ui_host:ui_port``.

    With ``block=False`` it returns the running app at once (call ``.close()`` to stop it)."""
    assistant = assistant or Assistant(settings)
    prepare(assistant, out)
    demo = build_app(assistant)
    demo.queue(default_concurrency_limit=settings.ui_concurrency, max_size=settings.ui_max_queue)
    options = launch_options(settings)
    port = settings.ui_port or "the first free port from 7860"
    out(f"se-assistant UI on {settings.ui_host}, port {port}"
        + (" (login required)" if options["auth"] else ""))
    demo.launch(**options, prevent_thread_lock=not block, quiet=not block)
    return demo
