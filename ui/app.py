"""The Gradio chat window: ask, read the answer with its [n] markers and see the cited
passages beside it; a Material tab lists what is ingested and re-ingests the corpus.

Started by ``se-assistant ui`` (which loads this file by path), or from Python::

    from se_assistant import Settings
    launch(Settings.load())

It uses only the public API of ``se_assistant``. Gradio is imported at the top because this
module is only ever loaded to run the window.
"""

from __future__ import annotations

import importlib.util
import logging
import sys
import threading
import uuid
from collections import OrderedDict
from pathlib import Path
from types import ModuleType
from typing import Any

import gradio as gr

from se_assistant import Assistant, Chat, SeAssistantError, Settings

log = logging.getLogger("se_assistant.ui")

HERE = Path(__file__).resolve().parent
CSS_PATH = HERE / "assets" / "app.css"
MAX_CONVERSATIONS = 1000
TITLE = "REVES clusters assistant"

# Example questions for the bundled corpus, one per case; cases of other material get a
# generic question (see example_questions).
CURATED_EXAMPLES = {
    "Pfefferwerk Foundation": "How was Pfefferwerk funded?",
    "Coopcity": "Which programmes does Coopcity run?",
    "Fondazione Horcynus Orca": "Who is involved in Fondazione Horcynus Orca?",
    "Impuls Cooperatiu de Sants": "What is the objective of Impuls Cooperatiu de Sants?",
    "REALIS": "Who set up REALIS?",
}
UNANSWERABLE_EXAMPLE = "What is the capital of Australia?"


def _sibling(name: str) -> ModuleType:
    """Load ``ui/<name>.py``: ui/ is a folder loaded by path, not an importable package."""
    module_name = f"se_assistant_ui_{name}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, HERE / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


render = _sibling("render")


class Conversations:
    """Server-side :class:`Chat` objects by conversation id, so that browser sessions and API
    clients alike get follow-ups; the least recently used beyond ``limit`` are forgotten."""

    def __init__(self, assistant: Assistant, limit: int = MAX_CONVERSATIONS):
        self.assistant = assistant
        self.limit = limit
        self._chats: OrderedDict[str, Chat] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, conversation_id: str = "") -> tuple[str, Chat]:
        """The conversation with this id (a new one when the id is empty or unknown)."""
        with self._lock:
            if conversation_id and conversation_id in self._chats:
                self._chats.move_to_end(conversation_id)
                return conversation_id, self._chats[conversation_id]
            new_id = uuid.uuid4().hex
            self._chats[new_id] = self.assistant.chat()
            while len(self._chats) > self.limit:
                self._chats.popitem(last=False)
            return new_id, self._chats[new_id]

    def drop(self, conversation_id: str) -> None:
        with self._lock:
            self._chats.pop(conversation_id, None)

    def __len__(self) -> int:
        return len(self._chats)


def example_questions(assistant: Assistant) -> list[str]:
    """One question per case in the material, then one the material cannot answer."""
    cases = sorted({d.case for d in assistant.material().documents if d.case})
    questions = [CURATED_EXAMPLES.get(case, f"What is the objective of {case}?") for case in cases]
    return [*questions, UNANSWERABLE_EXAMPLE]


def build_app(assistant: Assistant) -> gr.Blocks:
    """The chat window over ``assistant``, with the named API endpoint ``/ask``."""
    conversations = Conversations(assistant)

    def ask(question: str, conversation_id: str = "") -> dict[str, Any]:
        """Answer a question from the material. Returns the answer (text with [n] markers,
        grounded, query, citations, related) plus `conversation_id`: pass it back with the
        next question to ask a follow-up in the same conversation."""
        try:
            return _answer(conversations, question, conversation_id)
        except SeAssistantError as exc:
            raise gr.Error(str(exc), print_exception=False) from None

    def respond(question: str, history: list[dict[str, Any]], conversation_id: str):
        question = (question or "").strip()
        if not question:
            yield gr.skip(), gr.skip(), gr.skip(), gr.skip()
            return
        history = [*history, {"role": "user", "content": render.question(question)}]
        yield history, gr.skip(), "", gr.skip()
        try:
            conversation_id, chat = conversations.get(conversation_id or "")
            shown = ""
            result = None
            for item in chat.ask_stream(question):  # LLM text as it comes, then the checked answer
                if isinstance(item, str):
                    shown += item
                    partial = {"role": "assistant", "content": render.answer_text(shown)}
                    yield [*history, partial], gr.skip(), "", gr.skip()
                else:
                    result = {**item.to_dict(), "conversation_id": conversation_id}
            if result is None:
                raise SeAssistantError("no answer came back; ask again")
        except SeAssistantError as exc:
            message = str(exc)
        except Exception:  # a bug must not reach the page as a traceback
            log.exception("answering %r failed", question)
            message = "something went wrong while answering; the server log has the details"
        else:
            history.append({"role": "assistant", "content": render.answer_message(result)})
            yield history, render.passages_panel(result), "", result["conversation_id"]
            return
        history.append({"role": "assistant", "content": render.error_message(message)})
        yield history, gr.skip(), "", conversation_id

    def new_conversation(conversation_id: str):
        conversations.drop(conversation_id)
        return [], render.passages_panel(None), "", ""

    def pick_example(evt: gr.SelectData) -> str:
        return str(evt.value.get("text", "")) if isinstance(evt.value, dict) else str(evt.value)

    def reingest(progress=gr.Progress(track_tqdm=True)):  # noqa: B008 (Gradio's idiom)
        progress(0, desc="Ingesting the corpus…")
        try:
            report = assistant.ingest(progress=True)
        except SeAssistantError as exc:
            return f"error: {exc}", render.material_table(assistant.material())
        return report.summary(), render.material_table(assistant.material())

    examples = [{"text": q} for q in example_questions(assistant)]
    # No telemetry: the window is a local tool and must work without the internet.
    with gr.Blocks(title=TITLE, analytics_enabled=False) as demo:
        conversation = gr.State("")
        gr.HTML(
            f'<div class="se-header"><h1>{render.text(TITLE)}</h1><p>Questions answered from '
            "the REVES material “The role of clusters and regions in scaling up” and its "
            "cluster cases. Every sentence cites the passage it comes from.</p></div>",
            js_on_load=None,
        )
        with gr.Tabs():
            with gr.Tab("Chat", id="chat"), gr.Row(equal_height=False):
                with gr.Column(scale=3, min_width=360):
                    chatbot = gr.Chatbot(
                        label="Conversation",
                        show_label=False,
                        elem_id="se-chat",
                        height=560,
                        examples=examples,
                        placeholder="Ask about the clusters and cases, or pick an example.",
                        sanitize_html=True,
                        latex_delimiters=[],
                        feedback_options=None,
                        buttons=["copy"],
                        group_consecutive_messages=False,
                    )
                    with gr.Row():
                        box = gr.Textbox(
                            show_label=False,
                            placeholder="Ask a question, e.g. how was Pfefferwerk funded?",
                            max_length=assistant.settings.max_question_chars,
                            lines=1,
                            scale=5,
                            elem_id="se-question",
                            submit_btn=False,
                        )
                        ask_btn = gr.Button("Ask", variant="primary", scale=1, min_width=80,
                                            elem_id="se-ask")
                    new_btn = gr.Button("New conversation", variant="secondary", size="sm",
                                        elem_id="se-new")
                with gr.Column(scale=2, min_width=320):
                    panel = gr.HTML(render.passages_panel(None), elem_id="se-panel",
                                    js_on_load=None)
            with gr.Tab("Material", id="material"):
                table = gr.HTML(render.material_table(assistant.material()),
                                elem_id="se-material", js_on_load=None)
                ingest_btn = gr.Button("Re-ingest the corpus", variant="primary",
                                       elem_id="se-reingest")
                report_box = gr.Textbox(label="Ingest report", lines=6, interactive=False,
                                        elem_id="se-report")

        outputs = [chatbot, panel, box, conversation]
        inputs = [box, chatbot, conversation]
        private = {"api_visibility": "private"}
        box.submit(respond, inputs, outputs, **private)
        ask_btn.click(respond, inputs, outputs, **private)
        chatbot.example_select(pick_example, None, box, **private).then(
            respond, inputs, outputs, **private
        )
        new_btn.click(new_conversation, conversation, outputs, **private)
        chatbot.clear(new_conversation, conversation, outputs, **private)
        ingest_btn.click(reingest, None, [report_box, table], **private)
        demo.load(lambda: render.material_table(assistant.material()), None, table, **private)
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
