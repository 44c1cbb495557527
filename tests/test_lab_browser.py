"""The course as a student meets it: `make lab`'s JupyterLab driven in Debian's Chromium.

One walk through lesson 01, in order: the blank student version fails Validate; a solved copy runs
all its cells in the ci profile and shows the Trainer's progress bar and the loss plot; the quiz
widget answers; the solved copy passes Validate; reopened, it shows no widget or JavaScript
placeholders, and its quiz cell runs again. Screenshots of every step are kept in runs/screenshots/
(the CI artifacts).
"""
import contextlib
import re
import shutil
from pathlib import Path

import nbformat
import pytest

from conftest import REAL_HOME, ROOT
from ftcourse.instructor.answers import solved
from ftcourse.shared.catalogue import student_notebook
from ftcourse.student import lab

pytestmark = [pytest.mark.slow, pytest.mark.browser]

CHROMIUM = Path("/usr/bin/chromium")
# Headless as root, with nothing that would ask the internet (it is closed here).
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
SHOTS = ROOT / "runs" / "screenshots"
LESSON = "01_trainer_api"
PLACEHOLDERS = ("<IPython.core.display.Javascript object>", "Error displaying widget", "model not found",
                "Loading widget...")
PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"
# Cells queued or running show [*]; when a cell fails, JupyterLab drops the rest of the queue.
RUNNING = f"() => [...document.querySelectorAll('{PANEL} .jp-InputPrompt')].some(p => p.textContent.includes('*'))"
SETTLED = (f"() => !({RUNNING[6:]}) && "
           f"document.querySelector('{PANEL} .jp-Notebook-ExecutionIndicator')?.dataset.status === 'idle'")


@pytest.fixture
def course_lab(tmp_path):
    """JupyterLab at a copy of the student notebooks plus a solved lesson 01, in its own homes."""
    root = tmp_path / "notebooks"
    shutil.copytree(student_notebook(LESSON).parent, root / LESSON)
    (root / "solved").mkdir()
    nbformat.write(solved(LESSON), str(root / "solved" / f"{LESSON}.ipynb"))
    home = tmp_path / "home"  # the real assets, but a fresh quiz progress file
    home.mkdir()
    for name in ("assets", "data"):
        (home / name).symlink_to(REAL_HOME / name)
    with lab_at(root, home, tmp_path) as server:
        yield server
    assert server.process.poll() is not None, "the lab server is still running"


@contextlib.contextmanager
def lab_at(root, home, tmp_path):
    """JupyterLab at `root` with `home` as FTCOURSE_HOME and its own Jupyter folders under `tmp_path`."""
    env = {"FTCOURSE_HOME": str(home), "FTCOURSE_PROFILE": "ci", "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
           "JUPYTERLAB_SETTINGS_DIR": str(tmp_path / "settings"),
           "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "workspaces")}
    server = lab.start(root=root, env=env, log=(tmp_path / "lab.log").open("w"))
    try:
        server.wait_until_up()
        yield server
    finally:
        server.stop()


@pytest.fixture
def page():
    assert CHROMIUM.exists(), "no /usr/bin/chromium: install Debian's chromium (apt-get install -y chromium)"
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        try:
            yield browser.new_page(viewport={"width": 1400, "height": 1000})
        finally:
            browser.close()


def open_notebook(page, server, path):
    # `reset`: a fresh workspace, so the page shows this notebook alone, not tabs restored from before
    # (the student version and the solved copy have the same cells, and waits would see the wrong one)
    page.goto(server.page(path) + "&reset")
    cells = len(nbformat.read(str(student_notebook(LESSON)), as_version=4).cells)  # every cell attached
    page.wait_for_function(f"() => document.querySelectorAll('{PANEL} .jp-Cell').length >= {cells}", timeout=120_000)
    page.wait_for_selector(f"{PANEL} .jp-Notebook-ExecutionIndicator[data-status='idle']",
                           timeout=120_000)


def validate(page, name):
    """Click Validate; return the result dialog's text and its class, after a screenshot."""
    page.locator(f"{PANEL} .validate-button").click()
    message = page.wait_for_selector("#validation-message", timeout=600_000)
    page.screenshot(path=str(SHOTS / name))
    text, classes = message.inner_text(), message.get_attribute("class")
    page.locator(".jp-Dialog .jp-mod-accept").click()
    return text, classes


def shown_text(page):
    return page.locator(f"{PANEL} .jp-Notebook").inner_text()


def test_a_student_works_through_lesson_01_in_jupyterlab(course_lab, page):
    open_notebook(page, course_lab, f"{LESSON}/{LESSON}.ipynb")
    assert "Lesson 01" in shown_text(page)
    page.screenshot(path=str(SHOTS / "1-lesson-01-student-version.png"))

    text, classes = validate(page, "2-validate-blank-fails.png")
    assert "validation-failed" in classes and "The following cell failed" in text, text[:500]

    open_notebook(page, course_lab, f"solved/{LESSON}.ipynb")
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    page.wait_for_function(RUNNING, timeout=60_000)
    page.wait_for_function(SETTLED, timeout=900_000, polling=1000)
    notebook = page.locator(f"{PANEL} .jp-Notebook")
    last_prompt = notebook.locator(".jp-CodeCell .jp-InputPrompt").last.inner_text()
    if not re.search(r"\[\d+\]", last_prompt):  # stopped early: show the error
        page.screenshot(path=str(SHOTS / "3-run-all-stopped.png"), full_page=True)
        errors = [t for t in notebook.locator("[data-mime-type='application/vnd.jupyter.stderr']").all_inner_texts()
                  if "Error" in t]
        pytest.fail(f"Run All stopped before the last cell: {errors[-1][-1500:] if errors else 'no error shown'}")
    assert notebook.locator("progress").count() > 0, "no Trainer progress bar was shown"
    plot = notebook.locator(".jp-RenderedImage img").first
    plot.evaluate("img => img.scrollIntoView({block: 'center'})")
    assert plot.evaluate("img => img.complete && img.naturalWidth > 0"), "the loss plot did not load"
    page.screenshot(path=str(SHOTS / "3-loss-plot.png"))

    quiz = notebook.locator(".widget-vbox").filter(has_text="Quiz:").last
    quiz.scroll_into_view_if_needed()
    score = quiz.locator(".widget-html-content").filter(has_text="Score:").last
    before = score.inner_text()
    card = quiz.locator(".widget-vbox").filter(has=page.locator(".widget-radio-box")).first
    card.locator(".widget-radio-box input[type=radio]").first.check()
    card.get_by_role("button", name="Check").click()
    card.locator("text=/Correct|Not quite/").wait_for(timeout=30_000)
    assert score.inner_text() != before and "attempt" in score.inner_text()
    card.evaluate("node => node.scrollIntoView({block: 'center'})")
    page.screenshot(path=str(SHOTS / "4-quiz-feedback.png"))

    text, classes = validate(page, "5-validate-solved-passes.png")
    assert "validation-success" in classes and "Success" in text, text[:2000]

    page.reload()  # Validate saved the notebook, widget state included: reopen it
    open_notebook(page, course_lab, f"solved/{LESSON}.ipynb")
    notebook = page.locator(f"{PANEL} .jp-Notebook")
    cells = notebook.locator(".jp-CodeCell")
    last = cells.nth(cells.count() - 1)  # the quiz cell, by position
    last.evaluate("node => node.scrollIntoView({block: 'center'})")
    # the quiz drawn again, from the saved widget state or the still-running kernel
    last.locator(".jp-OutputArea").filter(has_text="Question 1").wait_for(timeout=60_000)
    last.evaluate("node => node.scrollIntoView({block: 'start'})")
    page.screenshot(path=str(SHOTS / "6-reopened.png"))
    assert not [p for p in PLACEHOLDERS if p in shown_text(page)], [p for p in PLACEHOLDERS if p in shown_text(page)]
    assert notebook.locator(".jp-RenderedImage img").count() > 0

    last.locator(".jp-InputPrompt").click()  # select the quiz cell and run it again, staying on it
    page.keyboard.press("Control+Enter")
    # a new quiz object: the restored one counted an attempt, the fresh one none yet
    last.locator(".widget-html-content").filter(has_text="0 attempts").wait_for(timeout=120_000)
    rerun = last.locator(".jp-OutputArea").inner_text()
    assert "Question 1" in rerun and not [p for p in PLACEHOLDERS if p in rerun]
    last.evaluate("node => node.scrollIntoView({block: 'start'})")
    page.screenshot(path=str(SHOTS / "7-quiz-re-run.png"))
