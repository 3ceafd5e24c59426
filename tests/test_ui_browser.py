"""The chat window in a real headless Chromium (Debian's /usr/bin/chromium): answers with
citations, follow-ups, refusals, re-ingest, and corpus payloads that must stay inert text.
Screenshots land in test-artifacts/ui/."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from ui_server import REPO, running_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = REPO / "test-artifacts" / "ui"
ANSWER_TIMEOUT_MS = 120_000

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


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.fail("Chromium is missing: apt-get install -y chromium (the browser tests need it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run", "--disable-sync"],
        )
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """The app on a free loopback port over a private copy of the corpus."""
    root = tmp_path_factory.mktemp("ui-browser")
    corpus = root / "corpus"
    shutil.copytree(REPO / "corpus", corpus)
    with running_app(data_dir=root / "data", corpus_dir=corpus) as (url, assistant):
        yield url, corpus


@pytest.fixture
def page(browser, app, request):
    url, _corpus = app
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.goto(url)
    pg.wait_for_selector("#se-chat")
    yield pg
    snapshot(pg, request.node.name)
    context.close()


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
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def last_answer(page) -> str:
    return page.locator(".se-answer").last.inner_text()


def test_first_load_offers_example_questions_including_an_unanswerable_one(page):
    chat = page.locator("#se-chat")
    for example in ("How was Pfefferwerk funded?", "Who set up REALIS?",
                    "What is the capital of Australia?"):
        assert chat.get_by_text(example).is_visible()


def test_question_shows_answer_with_marker_and_pfefferwerk_citation(page):
    ask(page, "how was Pfefferwerk funded?")
    answer = last_answer(page)
    assert "old brewery" in answer
    assert page.locator(".se-answer .se-ref").first.inner_text().strip() == "1"
    panel = page.locator("#se-panel")
    assert "Pfefferwerk Foundation" in panel.inner_text()
    assert "cases/pfefferwerk.md" in panel.inner_text()
    assert "old brewery" in panel.locator("mark").first.inner_text()


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
    assert "Related passages" in page.locator("#se-panel").inner_text()
    assert page.locator("#se-panel .se-card").count() >= 1


def test_question_the_assistant_cannot_take_shows_a_one_line_error(page):
    ask(page, '<img src=x onerror="window.__xss=1">')
    error = page.locator(".se-error").last.inner_text()
    assert "question is empty" in error and "\n" not in error.strip()
    assert "Traceback" not in page.locator("#se-chat").inner_text()
    assert '<img src=x onerror="window.__xss=1">' in page.locator("#se-chat").inner_text()
    assert page.evaluate("() => window.__xss") is None


def test_clicking_an_example_asks_it(page):
    page.locator("#se-chat").get_by_text("Who set up REALIS?").click()
    page.wait_for_selector(".se-answer", timeout=ANSWER_TIMEOUT_MS)
    assert "REALIS" in page.locator("#se-panel").inner_text()


def test_reingested_payloads_render_as_inert_text(page, app):
    _url, corpus = app
    (corpus / "glasshouse.md").write_text(XSS_FILE, encoding="utf-8")
    page.get_by_role("tab", name="Material").click()
    page.locator("#se-reingest").click()
    report = page.locator("#se-report textarea")
    page.wait_for_function(
        "() => document.querySelector('#se-report textarea').value.includes('added')",
        timeout=ANSWER_TIMEOUT_MS,
    )
    assert "glasshouse.md" in report.input_value()
    assert "glasshouse.md" in page.locator("#se-material").inner_text()
    snapshot(page, "payloads-material")

    page.get_by_role("tab", name="Chat").click()
    shown = ""
    questions = ("How much does membership of the Glasshouse Cooperative cost?",
                 'What does Glasshouse Cooperative run? <img src=x onerror="window.__xss=1">')
    for question in questions:
        ask(page, question)
        shown += page.locator("#se-chat").inner_text() + page.locator("#se-panel").inner_text()
    snapshot(page, "payloads-chat")

    assert page.evaluate("() => window.__xss") is None
    assert page.locator("#se-panel img, #se-panel script, #se-chat script").count() == 0
    assert page.locator("img[src='x'], a[href^='javascript']").count() == 0
    assert "five euros" in shown and "seed library" in shown
    assert '<img src=x onerror="window.__xss=1">' in shown
    assert "<script>window.__xss=1</script>" in shown
    assert '<a href="javascript:window.__xss=1">click</a>' in shown
    assert "${window.__xss=1} {{constructor}}" in shown
