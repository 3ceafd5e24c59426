"""The window's HTML building (ui/render.py), its conversation store and the `ui` command:
no browser, no server."""

from __future__ import annotations

import importlib.util
import sys

import pytest
from ui_server import REPO


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"uitest_{name}", REPO / "ui" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


render = _load("render")

PAYLOAD = '<script>x()</script><img src=x onerror="y()"> [a](javascript:z) ${w} {{v}}'


def citation(number=1, quote="First sentence. Second sentence.", highlights=("Second sentence.",)):
    return {"number": number, "source": "cases/x.md", "title": "X <b>", "locator": "§ Aims",
            "quote": quote, "highlights": list(highlights), "breadcrumb": "X <b> › Aims"}


def test_text_leaves_no_markup_or_template_syntax():
    shown = render.text(PAYLOAD)
    for raw in ("<", ">", "[", "]", "(", "$", "{", "}", '"', ":"):
        assert raw not in shown
    assert "&lt;script&gt;" in shown


def test_highlights_are_marked_and_escaped():
    shown = render.highlighted("Keep <this>. Use <that> here.", ["Use <that> here."])
    assert shown == "Keep &lt;this&gt;. <mark>Use &lt;that&gt; here.</mark>"


def test_overlapping_highlights_merge_into_one_mark():
    shown = render.highlighted("one two three", ["one two", "two three"])
    assert shown == "<mark>one two three</mark>"


def test_answer_markers_become_badges_and_text_is_escaped():
    shown = render.answer_text("It is <b>red</b>. [1] It is big. [2]")
    assert shown.count('class="se-ref"') == 2
    assert "&lt;b&gt;red&lt;/b&gt;" in shown


def test_refusal_message_has_badge_and_related_list():
    answer = {"text": "The material does not answer this question.", "grounded": False,
              "query": "q", "question": "q", "citations": [], "related": [citation()]}
    shown = render.answer_message(answer)
    assert "Not in the material" in shown and "Related passages" in shown
    assert "searched:" not in shown


def test_searched_question_is_shown_only_when_it_differs():
    answer = {"text": "Berlin. [1]", "grounded": True, "query": "Where is Pfefferwerk?",
              "question": "Where is it?", "citations": [citation()], "related": []}
    assert "searched: Where is Pfefferwerk?" in render.answer_message(answer)
    same = {**answer, "question": "where is pfefferwerk?"}
    assert "searched:" not in render.answer_message(same)


def test_panel_cards_carry_title_locator_source_and_marked_quote():
    answer = {"text": "t [1]", "grounded": True, "query": "q", "question": "q",
              "citations": [citation()], "related": []}
    shown = render.passages_panel(answer)
    assert "X &lt;b&gt;" in shown and "§ Aims" in shown and "cases/x.md" in shown
    assert "<mark>Second sentence.</mark>" in shown
    assert "se-crumb" not in shown  # the breadcrumb adds nothing beyond title and locator


def test_conversations_are_kept_by_id_and_bounded():
    from se_assistant.commands.ui import load_app

    app = load_app()

    class FakeAssistant:
        def chat(self):
            return object()

    store = app.Conversations(FakeAssistant(), limit=2)
    first_id, first = store.get("")
    assert store.get(first_id) == (first_id, first)
    store.get("")
    store.get("")
    assert len(store) == 2
    assert store.get(first_id)[0] != first_id  # the oldest was forgotten


def test_ui_flags_become_settings(monkeypatch):
    from se_assistant.cli import build_parser, settings_from_args

    args = build_parser().parse_args(["ui", "--host", "0.0.0.0", "--port", "8001",
                                      "--auth", "ann:secret"])
    settings = settings_from_args(args, ui_host=args.ui_host, ui_port=args.ui_port,
                                  ui_auth=args.ui_auth)
    assert (settings.ui_host, settings.ui_port) == ("0.0.0.0", 8001)
    assert settings.ui_auth.get_secret_value() == "ann:secret"
    monkeypatch.setenv("SE_ASSISTANT_UI_PORT", "8002")
    defaults = build_parser().parse_args(["ui"])
    settings = settings_from_args(defaults, ui_host=None, ui_port=None, ui_auth=None)
    assert (settings.ui_host, settings.ui_port) == ("127.0.0.1", 8002)


def test_bad_auth_flag_is_a_one_line_error(capsys):
    from se_assistant.cli import main

    assert main(["ui", "--auth", "nocolon"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: setting 'ui_auth'") and err.count("\n") == 1


def test_launch_options_bind_loopback_and_split_auth():
    from se_assistant import Settings
    from se_assistant.commands.ui import load_app

    app = load_app()
    options = app.launch_options(Settings.load(ui_auth="ann:pa:ss"))
    assert options["server_name"] == "127.0.0.1"
    assert options["auth"] == ("ann", "pa:ss")


@pytest.mark.parametrize("name", ["app.py", "render.py", "assets/app.css"])
def test_ui_files_ship_where_the_command_looks(name):
    from se_assistant.commands.ui import app_path

    assert (app_path().parent / name).is_file()
