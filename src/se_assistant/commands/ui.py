"""``se-assistant ui``: the Gradio chat window (``ui/app.py``) on 127.0.0.1:7860 by default."""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from se_assistant.cli import settings_from_args

APP_MODULE = "se_assistant_ui_app"


def register(subparsers, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser(
        "ui", parents=[common], help="start the chat window in the browser",
        description="Serve the chat window; ingests the bundled corpus first when nothing is "
        "ingested yet.",
    )
    p.add_argument("--host", dest="ui_host", default=None,
                   help="address to bind (default 127.0.0.1; SE_ASSISTANT_UI_HOST)")
    p.add_argument("--port", dest="ui_port", type=int, default=None,
                   help="port (default 7860; 0: the first free one from 7860; SE_ASSISTANT_UI_PORT)")
    p.add_argument("--auth", dest="ui_auth", default=None, metavar="USER:PASSWORD",
                   help="require this login (SE_ASSISTANT_UI_AUTH)")
    p.set_defaults(run=run)


def app_path() -> Path:
    """``ui/app.py`` of a repository checkout, or the copy an installed wheel carries."""
    package = Path(__file__).resolve().parents[1]
    for candidate in (package.parents[1] / "ui" / "app.py", package / "_ui" / "app.py"):
        if candidate.is_file():
            return candidate
    from se_assistant.errors import SeAssistantError

    raise SeAssistantError(
        f"the UI files are missing (looked for ui/app.py beside {package}); reinstall se-assistant"
    )


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
    from se_assistant.assistant import Assistant

    settings = settings_from_args(args, ui_host=args.ui_host, ui_port=args.ui_port,
                                  ui_auth=args.ui_auth)
    assistant = Assistant(settings)
    demo = load_app().launch(settings, assistant=assistant, block=False)
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
