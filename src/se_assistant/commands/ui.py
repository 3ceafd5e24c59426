"""``se-assistant ui``: the Gradio chat window (``se_assistant.ui.app``) on 127.0.0.1:7860 by
default."""

from __future__ import annotations

import argparse
from typing import Any

from se_assistant.assistant import Assistant
from se_assistant.cli import add_setting_flags, settings_from_args
from se_assistant.errors import extra_needed


def register(subparsers, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser(
        "ui", parents=[common], help="start the chat window in the browser",
        description="Serve the chat window; ingests the bundled corpus first when nothing is "
        "ingested yet.",
    )
    add_setting_flags(p, command="ui")  # --host, --port, --auth, --ui-concurrency, ...
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    assistant = Assistant(settings)
    with extra_needed("ui", "the chat window", "gradio"):
        from se_assistant.ui import app  # imports Gradio
    demo = app.launch(settings, assistant=assistant, block=False)
    mount_health(demo.app, assistant)
    demo.block_thread()
    return 0


def mount_health(app: Any, assistant: Any) -> None:
    """``GET /healthz``: :meth:`Assistant.health` as JSON, 200 when it can answer, else 503.
    Open without the login, for load balancers; it shows no material."""
    from fastapi.responses import JSONResponse

    def healthz() -> JSONResponse:
        report = assistant.health()
        return JSONResponse(report, status_code=200 if report["ok"] else 503)

    app.add_api_route("/healthz", healthz, methods=["GET"], include_in_schema=False)
    # ahead of Gradio's own routes, which were registered first
    app.router.routes.insert(0, app.router.routes.pop())
