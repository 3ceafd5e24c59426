"""An optional part that is not installed stops with one line naming the extra to install:
the one-time model export (torch), the chat window (gradio), the eval chart (matplotlib)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest


def run_without(modules: list[str], code: str) -> subprocess.CompletedProcess[str]:
    """``code`` in a fresh interpreter where importing ``modules`` fails as if not installed."""
    blocked = "import sys\n" + "".join(f"sys.modules[{m!r}] = None\n" for m in modules)
    return subprocess.run([sys.executable, "-c", blocked + textwrap.dedent(code)],
                          capture_output=True, text=True, timeout=300)


def assert_one_line_naming(result: subprocess.CompletedProcess[str], extra: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1
    assert f"run: pip install 'se-assistant[{extra}]'" in result.stderr


def test_the_first_export_without_torch_names_the_export_extra(tmp_path):
    # an empty model cache: the ONNX export has to run, and it needs PyTorch
    result = run_without(["torch"], f"""
        from se_assistant.cli import main
        sys.exit(main(["ingest", "--data-dir", {str(tmp_path / "data")!r},
                       "--model-cache-dir", {str(tmp_path / "models")!r}, "--json"]))
    """)
    assert_one_line_naming(result, "export")
    assert "needs torch" in result.stderr


def test_the_torch_backend_without_sentence_transformers_names_the_export_extra(tmp_path):
    result = run_without(["sentence_transformers"], f"""
        from se_assistant.cli import main
        sys.exit(main(["ingest", "--data-dir", {str(tmp_path / "data")!r}, "--json",
                       "--embed-backend", "torch", "--index-precision", "float32"]))
    """)
    assert_one_line_naming(result, "export")


def test_the_chat_window_without_gradio_names_the_ui_extra():
    result = run_without(["gradio"], """
        from se_assistant.cli import main
        sys.exit(main(["ui", "--port", "0"]))
    """)
    assert_one_line_naming(result, "ui")


def test_the_eval_chart_without_matplotlib_names_the_eval_extra(tmp_path):
    from se_assistant.errors import MissingExtraError

    result = run_without(["matplotlib"], f"""
        from se_assistant.errors import SeAssistantError
        from se_assistant.evaluation.report import render_chart
        try:
            render_chart({{"metrics": {{}}, "by_tag": {{}}, "gate": {{"failures": []}}}},
                         __import__("pathlib").Path({str(tmp_path / "x.png")!r}))
        except SeAssistantError as exc:
            print(f"error: {{exc}}", file=sys.stderr)
            sys.exit(2)
    """)
    assert_one_line_naming(result, "eval")
    assert issubclass(MissingExtraError, Exception)


def test_an_unrelated_import_error_is_not_blamed_on_an_extra():
    from se_assistant.errors import extra_needed

    with pytest.raises(ImportError), extra_needed("ui", "the chat window", "gradio"):
        import se_assistant_no_such_module  # noqa: F401
