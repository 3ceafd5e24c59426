"""The settings flags of every subcommand come from the Settings fields: every setting but the
API key has one, the old flag names still work, and a bad value stops in one line naming the
setting, its flag and its variable (before any model or index is touched)."""

from __future__ import annotations

import pytest

from se_assistant.cli import build_parser, main, settings_from_args
from se_assistant.settings import Settings

# the flags the hand-written table and the subcommands had before they were generated
FLAGS_BEFORE = {
    "ask": ["--data-dir", "--corpus-dir", "--collection", "--chroma-host", "--chroma-port",
            "--embed-model", "--embed-backend", "--index-precision", "--model-cache-dir",
            "--top-k", "--llm-provider", "--llm-model", "--llm-base-url", "--llm-timeout"],
    "ingest": ["--max-file-mb", "--data-dir", "--top-k"],
    "ui": ["--host", "--port", "--auth", "--data-dir"],
}


def option_strings(command: str) -> set[str]:
    subparsers = next(a for a in build_parser()._actions if a.dest == "command")
    return {s for action in subparsers.choices[command]._actions for s in action.option_strings}


@pytest.mark.parametrize("command", sorted(FLAGS_BEFORE))
def test_the_flags_that_existed_still_exist(command):
    assert set(FLAGS_BEFORE[command]) <= option_strings(command)


def test_every_setting_but_the_api_key_is_a_flag_of_some_command():
    everywhere = option_strings("ask") | option_strings("ingest") | option_strings("ui")
    for name in Settings.model_fields:
        flag = "--" + name.replace("_", "-")
        renamed = {"ui_host": "--host", "ui_port": "--port", "ui_auth": "--auth"}
        assert (renamed.get(name, flag) in everywhere) == (name != "llm_api_key"), name


def test_flags_reach_the_settings_with_their_types():
    args = build_parser().parse_args(
        ["ui", "--port", "8001", "--host", "0.0.0.0", "--top-k", "3", "--chroma-ssl",
         "--llm-timeout", "2.5", "--data-dir", "/tmp/x"])
    settings = settings_from_args(args)
    assert (settings.ui_port, settings.ui_host, settings.top_k) == (8001, "0.0.0.0", 3)
    assert settings.chroma_ssl is True and settings.llm_timeout == 2.5
    assert str(settings.data_dir) == "/tmp/x"


def test_a_flag_not_given_leaves_the_environment_variable_in_force(monkeypatch):
    monkeypatch.setenv("SE_ASSISTANT_TOP_K", "9")
    assert settings_from_args(build_parser().parse_args(["ask", "q"])).top_k == 9
    assert settings_from_args(build_parser().parse_args(["ask", "q", "--top-k", "2"])).top_k == 2


def test_help_shows_the_field_description_and_variable(capsys):
    with pytest.raises(SystemExit):
        main(["ask", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "--top-k N passages retrieved per question (SE_ASSISTANT_TOP_K)" in out
    assert "--embed-backend {onnx,torch}" in out
    assert "--llm-api-key" not in out


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["ask", "q", "--top-k", "zero"],
         "error: setting 'top_k' (got 'zero'): Input should be a valid integer"),
        (["ask", "q", "--embed-backend", "tensorflow"],
         "error: setting 'embed_backend' (got 'tensorflow'): Input should be 'onnx' or 'torch'"),
        (["ui", "--port", "http"],
         "error: setting 'ui_port' (got 'http'): Input should be a valid integer"),
        (["ingest", "--max-file-mb", "-1"],
         "error: setting 'max_file_mb' (got '-1'): Input should be greater than 0"),
    ],
)
def test_a_bad_value_is_one_line_naming_the_setting_its_flag_and_variable(argv, expected, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(expected)
    name = expected.split("'")[1]
    flag = {"ui_port": "--port"}.get(name, "--" + name.replace("_", "-"))
    assert f"fix the {flag} flag or the SE_ASSISTANT_{name.upper()} variable" in err

