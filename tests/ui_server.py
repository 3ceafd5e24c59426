"""Runs the chat window in this process on a free loopback port, for the UI tests."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running_app(data_dir: Path, corpus_dir: Path, **overrides: object
                ) -> Iterator[tuple[str, object]]:
    """Start the chat window (``se_assistant.ui.app``) the way ``se-assistant ui`` does (ingest first, then serve on
    127.0.0.1), with any other settings in ``overrides``; yield its URL and Assistant; always
    stop it."""
    from se_assistant import Assistant, Settings
    from se_assistant.ui import app

    settings = Settings.load(data_dir=data_dir, corpus_dir=corpus_dir, ui_port=free_port(),
                             **overrides)
    assistant = Assistant(settings)
    demo = app.launch(settings, assistant=assistant, block=False, out=lambda *_: None)
    try:
        yield f"http://127.0.0.1:{settings.ui_port}/", assistant
    finally:
        demo.close(verbose=False)
