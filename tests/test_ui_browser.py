"""The chat window in a real headless Chromium (Debian's /usr/bin/chromium): answers whose
sources stay with them, [n] badges, provenance back to the slide, dark and light colour
schemes at WCAG AA contrast, the phone, honest input, the subject filter, and the Material
tab (uploads, broken files, removal, preview). Corpus and question payloads must stay inert.
Screenshots land in test-artifacts/screenshots/ (light and dark, desktop and phone)."""

from __future__ import annotations

import io
import json
import shutil
import time
from pathlib import Path

import pytest
from ui_server import REPO, running_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = REPO / "test-artifacts" / "screenshots"
ANSWER_TIMEOUT_MS = 120_000
DESKTOP = {"width": 1400, "height": 900}
PHONE = {"width": 390, "height": 844}
AA = 4.5

XSS_FILE = """---
title: "Glasshouse Cooperative <img src=x onerror=\\"window.__xss=1\\">"
kind: case
case: "Glasshouse Cooperative"
city: "Tallinn"
country: "Estonia"
---
# Glasshouse Cooperative

The Glasshouse Cooperative runs a seed library in Tallinn. <script>window.__xss=1</script>

## Membership

Membership of the Glasshouse Cooperative costs five euros. <img src=x onerror="window.__xss=1">
Members may borrow seeds, see <a href="javascript:window.__xss=1">click</a> or
[click](javascript:window.__xss=1) for the rules, ${window.__xss=1} {{constructor}}.
"""

# The contrast ratio of WCAG 2 between an element's text colour and the first opaque
# background behind it, from the colours the browser rendered.
CONTRAST_JS = """
(el) => {
  const parse = (c) => {
    const m = c.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null;
    const [r, g, b, a] = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
    return { r, g, b, a: a === undefined ? 1 : a };
  };
  const lum = ({ r, g, b }) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const fg = parse(getComputedStyle(el).color);
  let node = el, bg = null;
  while (node && node.nodeType === 1) {
    const c = parse(getComputedStyle(node).backgroundColor);
    if (c && c.a >= 0.99) { bg = c; break; }
    node = node.parentElement;
  }
  bg = bg || { r: 255, g: 255, b: 255, a: 1 };
  const [hi, lo] = [lum(fg), lum(bg)].sort((x, y) => y - x);
  return { ratio: (hi + 0.05) / (lo + 0.05), fg: getComputedStyle(el).color,
           bg: `rgb(${bg.r}, ${bg.g}, ${bg.b})` };
}
"""


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.fail("Chromium is missing: apt-get install -y chromium (the browser tests need it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--headless", "--no-sandbox", "--disable-gpu",
                  "--disable-background-networking", "--disable-component-update",
                  "--no-first-run", "--disable-sync"],
        )
        yield chromium
        chromium.close()


def _serve(tmp_path_factory, name: str):
    root = tmp_path_factory.mktemp(name)
    corpus = root / "corpus"
    shutil.copytree(REPO / "corpus", corpus)
    return root, corpus


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """The app on a free loopback port over a private copy of the corpus (chat tests)."""
    root, corpus = _serve(tmp_path_factory, "ui-chat")
    with running_app(data_dir=root / "data", corpus_dir=corpus) as (url, assistant):
        yield url, corpus


@pytest.fixture(scope="module")
def material_app(tmp_path_factory):
    """A second app whose material folder the Material tests change (uploads up to 1 MB)."""
    root, corpus = _serve(tmp_path_factory, "ui-material")
    with running_app(data_dir=root / "data", corpus_dir=corpus, max_file_mb=1.0) as (url, a):
        yield url, corpus


def open_page(browser, url: str, viewport=None, scheme: str = "light"):
    context = browser.new_context(viewport=viewport or DESKTOP, color_scheme=scheme)
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector("#se-chat")
    return page


@pytest.fixture
def page(browser, app, request):
    pg = open_page(browser, app[0])
    yield pg
    snapshot(pg, request.node.name)
    pg.context.close()


def ask(page, question: str) -> None:
    """Type a question, send it, and wait for its answer (or error) to be shown."""
    before = page.locator(".se-answer, .se-error").count()
    box = page.locator("#se-question textarea")
    box.fill(question)
    box.press("Enter")
    page.wait_for_function(
        "n => document.querySelectorAll('.se-answer, .se-error').length > n", arg=before,
        timeout=ANSWER_TIMEOUT_MS,
    )


def snapshot(page, name: str) -> None:
    """Save a screenshot once no output is pending (the short pause lets fades finish, for
    the picture only)."""
    page.wait_for_function("() => !document.querySelector('.pending')")
    page.wait_for_timeout(300)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def last_answer(page) -> str:
    return page.locator(".se-answer").last.inner_text()


def in_viewport(page, locator) -> bool:
    box = locator.bounding_box()
    size = page.viewport_size
    return (box is not None and box["y"] >= 0 and box["y"] + box["height"] <= size["height"]
            and box["x"] >= 0 and box["x"] + box["width"] <= size["width"])


def contrast(locator) -> dict:
    return locator.evaluate(CONTRAST_JS)


def open_material(page):
    page.get_by_role("tab", name="Material").click()
    page.wait_for_selector("#se-material table")


def upload(page, *files: dict) -> str:
    """Upload files (name, mimeType, buffer) on the Material tab; the report once done."""
    before = page.locator("#se-report textarea").input_value()
    page.locator("#se-upload input[type=file]").set_input_files(list(files))
    page.wait_for_function(
        "b => { const v = document.querySelector('#se-report textarea').value;"
        " return v !== b && v.startsWith('upload'); }",
        arg=before, timeout=ANSWER_TIMEOUT_MS,
    )
    page.wait_for_function("() => !document.querySelector('.pending')")
    return page.locator("#se-report textarea").input_value()


# ---- chat ---------------------------------------------------------------------------------
def test_first_load_offers_five_answerable_examples_and_one_labelled_unanswerable(page):
    chat = page.locator("#se-chat")
    for example in ("How was Pfefferwerk funded?", "Who set up REALIS?"):
        assert chat.get_by_text(example).is_visible()
    labelled = chat.get_by_text("Not in the material (shows a refusal)", exact=False)
    assert labelled.is_visible()
    assert "capital of Australia" in labelled.inner_text()
    assert chat.locator("button.example").count() == 6


def test_answer_card_shows_slide_provenance_and_opens_the_section_and_its_slide(page):
    ask(page, "how was Pfefferwerk funded?")
    assert "old brewery" in last_answer(page)
    assert page.locator(".se-answer .se-ref").first.inner_text().strip().startswith("1")
    card = page.locator("#se-panel .se-card").first
    assert "Pfefferwerk Foundation" in card.inner_text()
    assert "cases/pfefferwerk.md" in card.inner_text()
    assert card.locator(".se-origin").inner_text() == "from slide 4 of presentation.md"
    assert "old brewery" in card.locator(".se-quote mark").first.inner_text()

    card.locator("details.se-open > summary").click()
    opened = card.locator("details.se-open")
    assert "Original: slide 4 of presentation.md" in opened.inner_text()
    assert "old brewery" in opened.locator(".se-full mark").first.inner_text()
    # the slide's bullets are a list again, the nested one inside its parent
    slide_items = opened.locator(".se-original li")
    assert slide_items.count() >= 4
    assert opened.locator(".se-original li li").count() >= 1
    assert "socio-cultural centre" in opened.locator(".se-original").inner_text()


def test_clicking_n_of_an_earlier_answer_shows_that_answers_card(page):
    ask(page, "how was Pfefferwerk funded?")
    ask(page, "Which programmes does Coopcity run?")
    panel = page.locator("#se-panel")
    assert "Coopcity" in panel.locator(".se-card").first.inner_text()

    first_answer = page.locator("#se-chat .se-answer").first
    badge = first_answer.locator(".se-ref").first
    badge.hover()
    tip = badge.locator(".se-tip")
    assert tip.is_visible() and "old brewery" in tip.inner_text()
    badge.click()
    card = panel.locator('.se-card-1')
    assert "Pfefferwerk Foundation" in card.inner_text()
    assert "Coopcity" not in panel.inner_text()
    assert "se-flash" in (card.get_attribute("class") or "")
    page.wait_for_timeout(600)  # the smooth scroll, for the position check only
    assert in_viewport(page, card)
    assert "how was Pfefferwerk funded?" in panel.locator(".se-for").inner_text()

    # a click anywhere on the later answer brings its own sources back
    page.locator("#se-chat .se-answer").last.locator(".se-text").click()
    assert "Coopcity" in panel.locator(".se-card").first.inner_text()


def test_follow_up_keeps_the_conversation_and_shows_the_searched_question(page):
    ask(page, "how was Pfefferwerk funded?")
    ask(page, "Where is it?")
    assert "Berlin" in last_answer(page)
    searched = page.locator(".se-answer .se-searched").last.inner_text()
    assert "Pfefferwerk" in searched
    page.locator("#se-new").click()
    page.wait_for_function("document.querySelectorAll('.se-answer').length === 0")
    assert page.locator("#se-chat").get_by_text("Who set up REALIS?").is_visible()


def test_unanswerable_question_is_refused_with_related_passages(page):
    ask(page, "What is the capital of Australia?")
    assert page.locator(".se-answer .se-refusal").last.inner_text() == "Not in the material"
    assert "does not answer" in last_answer(page)
    panel = page.locator("#se-panel")
    assert "Related passages" in panel.inner_text()
    assert "none of them answers it" in panel.inner_text()
    assert panel.locator(".se-card").count() >= 1
    assert panel.locator(".se-card mark").count() == 0  # nothing is highlighted as an answer


def test_subject_filter_narrows_the_conversation(page):
    page.locator("#se-subject input").click()
    page.get_by_role("option", name="Coopcity").click()
    ask(page, "What is the objective?")
    assert "only in: Coopcity" in last_answer(page)
    cards = page.locator("#se-panel .se-card")
    assert cards.count() >= 1
    assert all("Coopcity" in cards.nth(i).inner_text() for i in range(cards.count()))


def test_question_the_assistant_cannot_take_shows_a_one_line_error_and_stays(page):
    payload = '<img src=x onerror="window.__xss=1">'
    ask(page, payload)
    error = page.locator(".se-error").last.inner_text()
    assert "question is empty" in error and "\n" not in error.strip()
    assert "Traceback" not in page.locator("#se-chat").inner_text()
    assert payload in page.locator("#se-chat").inner_text()
    assert page.locator("#se-question textarea").input_value() == payload
    assert page.evaluate("() => window.__xss") is None


def test_5000_pasted_characters_show_the_limit_and_keep_the_text(page):
    long_question = ("How was Pfefferwerk funded and who launched it? " * 120)[:5000]
    box = page.locator("#se-question textarea")
    box.fill(long_question)
    counter = page.locator(".se-counter")
    page.wait_for_function("() => document.querySelector('.se-counter.se-over')")
    assert counter.is_visible()
    assert "5,000 / 2,000" in counter.inner_text()
    assert "over the limit" in counter.inner_text()
    assert contrast(counter.locator(".se-over-msg"))["ratio"] >= AA
    assert len(box.input_value()) == 5000  # nothing cut on paste

    box.press("Enter")
    page.wait_for_selector(".se-error")
    error = page.locator(".se-error").last
    assert error.is_visible() and "5,000 characters" in error.inner_text()
    assert box.input_value() == long_question  # the rejected question stays to be shortened
    assert page.locator(".se-question .se-long").last.inner_text().startswith("(5,000 characters")


def test_clicking_an_example_asks_it(page):
    page.locator("#se-chat").get_by_text("Who set up REALIS?").click()
    page.wait_for_selector(".se-answer", timeout=ANSWER_TIMEOUT_MS)
    assert "REALIS" in page.locator("#se-panel").inner_text()


def test_answer_appears_fast_after_enter(page):
    """Measures Enter to a visible answer (no assertion on time: the machine is shared);
    the numbers go to test-artifacts/ui-latency.json for the report."""
    ask(page, "Who set up REALIS?")  # warm-up
    questions = ["how was Pfefferwerk funded?", "Which programmes does Coopcity run?",
                 "Who is involved in Fondazione Horcynus Orca?", "Where is Coopcity?",
                 "What is the objective of Impuls Cooperatiu de Sants?"]
    seconds = []
    for question in questions:
        before = page.locator(".se-answer").count()
        box = page.locator("#se-question textarea")
        box.fill(question)
        started = time.perf_counter()
        box.press("Enter")
        page.wait_for_function(
            "n => document.querySelectorAll('.se-answer').length > n", arg=before,
            timeout=ANSWER_TIMEOUT_MS, polling="raf",
        )
        seconds.append(time.perf_counter() - started)
    assert page.locator(".se-answer").count() == len(questions) + 1
    SCREENSHOTS.parent.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS.parent / "ui-latency.json").write_text(json.dumps(
        {"enter_to_answer_s": [round(s, 3) for s in seconds],
         "median_s": round(sorted(seconds)[len(seconds) // 2], 3)}))


# ---- colour schemes and the phone ----------------------------------------------------------
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_highlights_badges_and_refusal_read_at_aa_contrast(browser, app, scheme):
    page = open_page(browser, app[0], scheme=scheme)
    try:
        assert page.evaluate("() => document.body.classList.contains('dark')") is (scheme == "dark")
        ask(page, "What is the capital of Australia?")
        ask(page, "how was Pfefferwerk funded?")
        checks = {
            "highlighted text": page.locator("#se-panel .se-card mark").first,
            "[n] badge": page.locator("#se-chat .se-ref").last,
            "card number": page.locator("#se-panel .se-num").first,
            "slide provenance": page.locator("#se-panel .se-origin").first,
            "source path": page.locator("#se-panel .se-src").first,
            "refusal badge": page.locator("#se-chat .se-refusal").first,
        }
        ratios = {name: contrast(loc) for name, loc in checks.items()}
        page.locator("#se-chat .se-answer").first.click()  # the refusal's related passages
        ratios["related passages heading"] = contrast(page.locator("#se-panel .se-panel-head"))
        ratios["related note"] = contrast(page.locator("#se-panel .se-empty").first)
        low = {k: v for k, v in ratios.items() if v["ratio"] < AA}
        assert not low, f"below {AA}:1 in the {scheme} scheme: {low}"
        snapshot(page, f"desktop-{scheme}")
    finally:
        page.context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_phone_shows_the_question_box_first_and_sources_under_the_answer(browser, app, scheme):
    page = open_page(browser, app[0], viewport=PHONE, scheme=scheme)
    try:
        assert in_viewport(page, page.locator("#se-question textarea"))
        assert in_viewport(page, page.locator("#se-ask"))
        snapshot(page, f"phone-{scheme}-start")
        ask(page, "how was Pfefferwerk funded?")
        assert not page.locator("#se-panel").is_visible()  # no side panel past the chat
        answer = page.locator("#se-chat .se-answer").last
        answer.locator(".se-ref").first.click()
        sources = answer.locator("details.se-sources")
        assert sources.get_attribute("open") is not None
        card = sources.locator('.se-card-1')
        assert card.is_visible() and "from slide 4 of presentation.md" in card.inner_text()
        ratio = contrast(card.locator("mark").first)["ratio"]
        assert ratio >= AA
        assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
        snapshot(page, f"phone-{scheme}-answer")

        open_material(page)
        assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
        table = page.locator("#se-material table").bounding_box()
        assert table["x"] >= 0 and table["x"] + table["width"] <= PHONE["width"]
        snapshot(page, f"phone-{scheme}-material")
    finally:
        page.context.close()


# ---- the Material tab ------------------------------------------------------------------------
def pptx_bytes() -> bytes:
    from pptx import Presentation

    deck = Presentation()
    slide = deck.slides.add_slide(deck.slide_layouts[1])
    slide.shapes.title.text = "Lumen Makerspace"
    slide.placeholders[1].text = (
        "The Lumen Makerspace cooperative repairs bicycles for refugees in Ghent.\n"
        "The Lumen Makerspace was founded by twelve volunteers in 2016."
    )
    out = io.BytesIO()
    deck.save(out)
    return out.getvalue()


def test_uploaded_pptx_becomes_answerable_without_restart(browser, material_app):
    page = open_page(browser, material_app[0])
    try:
        open_material(page)
        report = upload(page, {"name": "lumen.pptx", "buffer": pptx_bytes(),
                               "mimeType": "application/vnd.openxmlformats-officedocument."
                                           "presentationml.presentation"})
        assert "added 1" in report and "lumen.pptx" in report
        assert "lumen.pptx" in page.locator("#se-material").inner_text()
        assert (material_app[1] / "lumen.pptx").is_file()
        snapshot(page, "material-after-pptx-upload")

        page.get_by_role("tab", name="Chat").click()
        ask(page, "Who founded the Lumen Makerspace?")
        assert "twelve volunteers" in last_answer(page)
        card = page.locator("#se-panel .se-card").first
        assert "lumen.pptx" in card.inner_text() and "slide 1" in card.inner_text()
    finally:
        page.context.close()


def test_broken_and_refused_uploads_are_listed_first_while_the_rest_stays(browser, material_app):
    page = open_page(browser, material_app[0])
    try:
        open_material(page)
        before = page.locator("#se-material tbody tr").count()
        report = upload(
            page,
            {"name": "broken.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.7 torn"},
            {"name": "tool.exe", "mimeType": "application/octet-stream", "buffer": b"MZ..."},
            {"name": "big.md", "mimeType": "text/markdown", "buffer": b"# Big\n\n" + b"x " * 600_000},
            {"name": "notes.md", "mimeType": "text/markdown",
             "buffer": b"# Orchard notes\n\nThe Orchard Circle meets on Tuesdays in Lyon.\n"},
        )
        assert "added 1" in report
        assert "failed: broken.pdf:" in report
        assert "failed: tool.exe: unsupported file type" in report
        assert "failed: big.md: the file is" in report and "limit" in report
        # refused uploads and the broken file come first, each with its one-line reason
        rows = page.locator("#se-material tbody tr")
        failed_rows = [rows.nth(i) for i in range(3)]
        assert all("se-failed" in (r.get_attribute("class") or "") for r in failed_rows)
        shown = [r.inner_text() for r in failed_rows]
        assert any("broken.pdf" in t and "PDF" in t for t in shown)
        assert any("tool.exe (upload)" in t and "unsupported file type" in t for t in shown)
        assert any("big.md (upload)" in t and "limit" in t for t in shown)
        for row in failed_rows:
            reason = row.locator(".se-reason").inner_text()
            assert reason and "\n" not in reason
        table = page.locator("#se-material").inner_text()
        assert "notes.md" in table and "presentation.md" in table
        assert rows.count() == before + 4  # three failed rows and notes.md
        assert "3 failed" in page.locator("#se-material .se-summary").inner_text()
        snapshot(page, "material-failed-upload")

        page.get_by_role("tab", name="Chat").click()
        ask(page, "how was Pfefferwerk funded?")
        assert "old brewery" in last_answer(page)
        ask(page, "Where does the Orchard Circle meet?")
        assert "Lyon" in last_answer(page)
    finally:
        page.context.close()


def test_a_document_can_be_previewed_and_removed(browser, material_app):
    page = open_page(browser, material_app[0])
    try:
        open_material(page)
        (material_app[1] / "leaflet.md").write_text(
            "# Leaflet\n\n## Where\n\n- The Leaflet Guild sits in Porto.\n- It has a shop.\n\n"
            "## Fees\n\n| plan | fee |\n| --- | --- |\n| basic | 5 euros |\n", encoding="utf-8")
        page.locator("#se-reingest").click()
        page.wait_for_function(
            "() => document.querySelector('#se-report textarea').value.startsWith('re-ingest')",
            timeout=ANSWER_TIMEOUT_MS)
        assert "leaflet.md" in page.locator("#se-material").inner_text()

        page.locator("#se-document input").click()
        page.get_by_role("option", name="leaflet.md").click()
        preview = page.locator("#se-sections .se-preview")
        preview.wait_for()
        assert "2 sections" in preview.inner_text()
        for summary in preview.locator("details > summary").all():
            summary.click()
        assert preview.locator("li").count() == 2
        assert preview.locator("table td").first.inner_text() == "basic"

        page.on("dialog", lambda dialog: dialog.accept())
        page.locator("#se-remove").click()
        page.wait_for_function(
            "() => document.querySelector('#se-report textarea').value.startsWith('remove')",
            timeout=ANSWER_TIMEOUT_MS)
        assert "removed: leaflet.md" in page.locator("#se-report textarea").input_value()
        page.wait_for_function(
            "() => !document.querySelector('#se-material').innerText.includes('leaflet.md')")
        assert not (material_app[1] / "leaflet.md").exists()
        assert "presentation.md" in page.locator("#se-material").inner_text()
    finally:
        page.context.close()


def test_uploaded_payloads_and_question_payloads_render_as_inert_text(browser, material_app):
    page = open_page(browser, material_app[0])
    try:
        open_material(page)
        report = upload(page, {"name": "glasshouse.md", "mimeType": "text/markdown",
                               "buffer": XSS_FILE.encode()})
        assert "glasshouse.md" in report
        assert "glasshouse.md" in page.locator("#se-material").inner_text()
        page.locator("#se-document input").click()
        page.get_by_role("option", name="glasshouse.md").click()
        page.locator("#se-sections .se-preview").wait_for()
        for summary in page.locator("#se-sections details > summary").all():
            summary.click()
        shown = page.locator("#se-material").inner_text() + page.locator("#se-sections").inner_text()
        snapshot(page, "payloads-material")

        page.get_by_role("tab", name="Chat").click()
        questions = ("How much does membership of the Glasshouse Cooperative cost?",
                     'What does Glasshouse Cooperative run? <img src=x onerror="window.__xss=1">')
        for question in questions:
            ask(page, question)
            page.locator("#se-panel details.se-open > summary").first.click()
            shown += page.locator("#se-chat").inner_text() + page.locator("#se-panel").inner_text()
        page.locator("#se-chat .se-answer .se-ref").first.hover()
        snapshot(page, "payloads-chat")

        assert page.evaluate("() => window.__xss") is None
        assert page.locator("#se-panel img, #se-panel script, #se-chat script, "
                            "#se-sections img, #se-sections script").count() == 0
        assert page.locator("img[src='x'], a[href^='javascript']").count() == 0
        assert "five euros" in shown and "seed library" in shown
        assert '<img src=x onerror="window.__xss=1">' in shown
        assert "<script>window.__xss=1</script>" in shown
        assert '<a href="javascript:window.__xss=1">click</a>' in shown
        assert "${window.__xss=1} {{constructor}}" in shown
    finally:
        page.context.close()
