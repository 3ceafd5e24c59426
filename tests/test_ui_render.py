"""The window's HTML building (se_assistant/ui/render.py), its conversation store and the
`ui` command: no browser, no server."""

from __future__ import annotations

from se_assistant.ui import render

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
    assert shown.count('class="se-ref se-ref-') == 2
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
    from se_assistant.ui import app

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
    from se_assistant.ui import app
    options = app.launch_options(Settings.load(ui_auth="ann:pa:ss"))
    assert options["server_name"] == "127.0.0.1"
    assert options["auth"] == ("ann", "pa:ss")


def test_the_window_finds_its_style_and_script_beside_it():
    from se_assistant.ui import app

    assert app.CSS_PATH.is_file() and app.JS_PATH.is_file()


# ---- answers keep their sources; provenance; bullets and tables ---------------------------
SLIDE = ("- Who: two universities\n- Objective: promote <social> cohesion\n"
         "  - nested detail\n- Created: a park")


def test_slide_bullets_become_a_nested_list_with_the_cited_bullet_marked():
    shown = render.passage(SLIDE, ["Objective: promote <social> cohesion"])
    assert shown.count("<ul>") == 2 and shown.count("<li>") == 4
    assert "<li><mark>Objective&#58; promote &lt;social&gt; cohesion</mark><ul><li>nested" in shown
    assert "- Who" not in shown


def test_markdown_table_becomes_a_table_and_paragraphs_stay_paragraphs():
    shown = render.passage("Fees:\n\n| plan | fee |\n| --- | --- |\n| basic | 5 euros |\nAfter.")
    assert shown.startswith("<p>Fees&#58;</p>")
    assert "<tr><th>plan</th><th>fee</th></tr><tr><td>basic</td><td>5 euros</td></tr>" in shown
    assert "---" not in shown and shown.endswith("<p>After.</p>")


def test_highlight_spanning_a_line_break_is_still_marked():
    shown = render.passage("It was founded\nin 2016 by twelve.", ["It was founded in 2016 by twelve."])
    assert shown == "<p><mark>It was founded</mark> <mark>in 2016 by twelve.</mark></p>"


def answer_with(citations, **extra):
    return {"text": "It is so. [1]", "grounded": True, "query": "q?", "question": "q?",
            "citations": citations, "related": [], **extra}


def test_answer_message_carries_its_own_cards_with_origin_and_hover_quote():
    cited = {**citation(), "origin": "slide 4 of presentation.md"}
    shown = render.answer_message(answer_with([cited]))
    assert 'class="se-ref se-ref-1"' in shown
    assert '<span class="se-tip">Second sentence.</span>' in shown
    assert '<details class="se-sources">' in shown and 'class="se-card se-card-1"' in shown
    assert "from slide 4 of presentation.md" in shown
    assert "data-" not in shown  # the chat's sanitizer drops data attributes


def test_open_shows_the_whole_section_and_the_original_slide():
    from types import SimpleNamespace as NS

    def opener(source, locator):
        assert (source, locator) == ("cases/x.md", "§ Aims")
        return NS(section=NS(locator="§ Aims", text="Before. Second sentence. After."),
                  original=NS(locator="slide 4", text=SLIDE), original_source="presentation.md")

    shown = render.passages_panel(answer_with([citation()]), opener)
    assert '<details class="se-open"><summary>Open the section and its slide</summary>' in shown
    assert "Before. <mark>Second sentence.</mark> After." in shown
    assert "Original: slide 4 of presentation.md" in shown and shown.count("<li>") >= 4


def test_small_talk_is_a_plain_message_without_sources_or_refusal_styling():
    reply = {"text": "You're welcome! [sic]", "grounded": False, "kind": "smalltalk",
             "query": "thanks!", "question": "thanks!", "citations": [], "related": []}
    shown = render.answer_message(reply)
    assert shown == ('<div class="se-answer se-smalltalk"><p class="se-text">You&#39;re '
                     "welcome&#33; &#91;sic&#93;</p></div>")
    assert "Not in the material" not in render.answer_message(reply)
    assert "se-card" not in render.passages_panel(reply)


def test_refusal_panel_does_not_claim_that_nothing_is_close():
    refusal = {**answer_with([]), "grounded": False, "kind": "refusal", "related": [citation()]}
    shown = render.passages_panel(refusal)
    assert "none of them answers it" in shown and "No passage is close" not in shown
    assert "<mark>" not in shown


def test_question_over_the_limit_is_shown_with_its_length_not_cut_silently():
    shown = render.question_shown("x" * 5000, 2000)
    assert "(5,000 characters, over the 2,000 limit)" in shown
    assert render.question_shown("short?", 2000) == render.question("short?")
    assert 'data-limit="2000"' in render.counter(2000) and "2,000 characters" in render.counter(2000)


def test_material_table_lists_failures_first_with_their_reasons():
    from datetime import datetime
    from types import SimpleNamespace as NS

    material = NS(documents=[NS(title="Doc <A>", source="a.md", kind="case", chunks=3)], chunks=3,
                  ingested_at=datetime(2026, 1, 2, 3, 4, 5))
    problems = [NS(source="new.md", reason="not ingested yet; re-ingest to add it"),
                NS(source="bad.pdf", reason="the PDF is damaged; re-export it")]
    shown = render.material_table(material, problems, checked="2026-01-02 03:05:00")
    assert shown.index("bad.pdf") < shown.index("new.md") < shown.index("a.md")
    assert "<b>1</b> failed, 1 waiting to be ingested" in shown
    assert "index last changed 2026-01-02 03&#58;04&#58;05" in shown
    assert "last ingest run 2026-01-02 03&#58;05&#58;00" in shown
    assert "Doc &lt;A&gt;" in shown


def test_examples_are_five_answerable_and_one_labelled_unanswerable():
    from se_assistant.ui import app

    class Subjects:
        def __init__(self, names):
            self.names = names

        def subjects(self):
            return self.names

    examples = app.example_questions(Subjects(["Coopcity", "Zeta Guild", "Eta Union"]))
    texts = [e["text"] for e in examples]
    assert texts[:3] == ["Which programmes does Coopcity run?",
                         "What is the objective of Zeta Guild?", "What is the objective of Eta Union?"]
    assert texts[3] == "Who is involved in Coopcity?"
    assert len(texts) == 6 and len(set(texts)) == 6
    assert examples[-1]["display_text"].startswith("Not in the material")
    assert len(app.example_questions(Subjects([f"S{i}" for i in range(9)]))) == 6
    assert [e["text"] for e in app.example_questions(Subjects([]))][0] == "What is this material about?"
