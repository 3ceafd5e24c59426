"""``se-assistant ui``: the Gradio chat window (``ui/app.py``) on 127.0.0.1:7860 by default."""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from se_assistant.assistant import Assistant
from se_assistant.cli import add_setting_flags, settings_from_args
from se_assistant.errors import SeAssistantError, extra_needed
from se_assistant.locations import project_file

APP_MODULE = "se_assistant_ui_app"


def register(subparsers, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser(
        "ui", parents=[common], help="start the chat window in the browser",
        description="Serve the chat window; ingests the bundled corpus first when nothing is "
        "ingested yet.",
    )
    add_setting_flags(p, command="ui")  # --host, --port, --auth, --ui-concurrency, ...
    p.set_defaults(run=run)


def app_path() -> Path:
    """``ui/app.py`` of a repository checkout, or the copy an installed wheel carries."""
    path = project_file("ui/app.py", "_ui/app.py")
    if path is None:
        raise SeAssistantError("the UI files are missing (ui/app.py); reinstall se-assistant")
    return path


def load_app() -> ModuleType:
    """The UI module, loaded by path (ui/ is a folder of the project, not a package)."""
    if APP_MODULE in sys.modules:
        return sys.modules[APP_MODULE]
    spec = importlib.util.spec_from_file_location(APP_MODULE, app_path())
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[APP_MODULE] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[APP_MODULE]
        raise
    return module


def run(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    assistant = Assistant(settings)
    with extra_needed("ui", "the chat window", "gradio"):
        app = load_app()
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
