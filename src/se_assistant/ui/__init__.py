"""The chat window in the browser (Gradio): ``app`` builds and serves it, ``render`` writes
its HTML. It uses only the public API of ``se_assistant`` (an import contract checks this).
Importing ``se_assistant.ui.app`` imports Gradio (the ``ui`` extra)."""
