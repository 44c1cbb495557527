"""The practice quiz in JupyterLab, in Chromium: math typeset, code highlighted, choices labelled for
screen readers, Enter checks a text answer, and the feedback arrives in a live region. One notebook
with one quiz cell, in `make lab`'s JupyterLab (offline); screenshots go to runs/screenshots/."""
import re

import nbformat
import pytest

from test_lab_browser import PANEL, SHOTS, lab_at, page  # noqa: F401 (the Chromium page fixture)

pytestmark = [pytest.mark.slow, pytest.mark.browser]


@pytest.fixture
def quiz_lab(tmp_path):
    root = tmp_path / "notebooks"
    root.mkdir()
    cell = nbformat.v4.new_code_cell('import ftcourse\nfrom IPython.display import display\n\n'
                                     'display(ftcourse.quiz("02", seed=1))\nftcourse.quiz("03", seed=1)')
    kernel = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    nbformat.write(nbformat.v4.new_notebook(cells=[cell], metadata=kernel), str(root / "quiz.ipynb"))
    with lab_at(root, tmp_path / "home", tmp_path) as server:
        yield server


def test_the_quiz_in_jupyterlab(quiz_lab, page):  # noqa: F811
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.goto(quiz_lab.page("quiz.ipynb") + "&reset")
    page.wait_for_selector(f"{PANEL} .jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=120_000)
    shown = page.locator(f"{PANEL} .widget-vbox").filter(has_text="Quiz: LoRA").first
    for _ in range(6):  # JupyterLab may still ask which kernel to use: take the one offered, then run the cell
        accept = page.locator(".jp-Dialog .jp-mod-accept")
        if accept.count():
            accept.first.click()
        if "[ ]" in page.locator(f"{PANEL} .jp-InputPrompt").first.inner_text():
            page.locator(f"{PANEL} .jp-InputPrompt").first.click()
            page.keyboard.press("Control+Enter")
        try:
            shown.wait_for(timeout=10_000)
            break
        except PlaywrightTimeout:
            continue
    else:
        page.screenshot(path=str(SHOTS / "quiz-not-shown.png"))
        raise AssertionError(page.locator(f"{PANEL} .jp-OutputArea").all_inner_texts())

    def card(question_id):
        return page.locator(f"{PANEL} .widget-vbox").filter(has_text=question_id).last

    # choices carry their text as labels: a screen reader names each radio button by it
    radios = card("03-default-targets").get_by_role("radio")
    names = [radio.evaluate("r => r.closest('label').textContent.trim()") for radio in radios.all()]
    assert len(names) == 4 and all(re.match(r"^[a-d]\) \w", name) and len(name) > 12 for name in names), names
    boxes = [radio.evaluate("r => r.closest('label').getBoundingClientRect().toJSON()") for radio in radios.all()]
    assert all(a["y"] + a["height"] <= b["y"] + 1 for a, b in zip(boxes, boxes[1:])), "labels must not overlap"
    card("03-default-targets").get_by_role("radio").first.check()

    # Enter checks a text answer; the feedback is announced, and its math is typeset
    scaling = card("03-scaling")
    scaling.scroll_into_view_if_needed()
    field = scaling.locator("input[type=text]")
    field.fill("2")
    field.press("Enter")
    alert = scaling.locator("[role=alert]")
    alert.filter(has_text="Correct").wait_for(timeout=30_000)
    assert alert.get_attribute("aria-live") == "assertive"
    alert.locator("mjx-container").first.wait_for(timeout=30_000)  # $\alpha / r$, by JupyterLab's MathJax
    assert "$" not in alert.inner_text()
    scaling.evaluate("node => node.scrollIntoView({block: 'center'})")
    page.screenshot(path=str(SHOTS / "quiz-math-and-feedback.png"))

    # code blocks are highlighted with inline styles (pygments): lesson 02's questions have Python
    assert card("02-csv-splits").locator(".highlight span[style]").count() > 0
