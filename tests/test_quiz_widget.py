"""The notebook quiz, driven without a browser: set an input's value, click a button, read the widgets
and the progress file, as a student's clicks would through the kernel."""
import html

import ipywidgets as w
import pytest

import ftcourse
from ftcourse.quiz import engine, progress


TOTAL_01 = len(engine.lesson("01").questions)


@pytest.fixture
def quiz01(empty_home):
    return ftcourse.quiz("01", seed=4)


def choose(card, *indices):
    """Pick choices by their index in the bank, whatever order the card shows them in."""
    if card.question.type == "single":
        card.input.value = indices[0]
    else:
        for (index, _), box in zip(card.choices, card.input.children):
            box.value = index in indices


def all_widgets(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from all_widgets(child)


def test_one_card_per_question_with_an_input_per_type(quiz01):
    assert [c.question for c in quiz01.cards] == engine.Quiz("01", seed=4).questions
    kinds = {"single": w.RadioButtons, "multiple": w.HBox, "numeric": w.Text, "text": w.Text, "open": w.Textarea}
    assert all(isinstance(card.input, kinds[card.question.type]) for card in quiz01.cards)
    assert {card.question.type for card in quiz01.cards} == set(kinds)
    front_ends = {x._view_module for x in all_widgets(quiz01)}
    assert front_ends == {"@jupyter-widgets/controls"}, "only the views that JupyterLab ships, no custom JavaScript"
    assert f"Score: 0 / {TOTAL_01}" in quiz01.score.value


def test_choices_are_listed_in_full_in_display_order(quiz01):
    card = quiz01.card("01-warmup-ratio")
    shown = card.children[1].value
    positions = [shown.index(f"<strong>{letter})</strong> <code>{html.escape(choice.text.strip('`'))}</code>")
                 for letter, (_, choice) in zip("abcd", card.choices)]
    assert positions == sorted(positions)
    assert [label for label, _ in card.input.options] == ["a", "b", "c", "d"]
    assert [index for _, index in card.input.options] == [index for index, _ in card.choices]


def test_check_gives_feedback_score_and_progress(quiz01, empty_home):
    card = quiz01.card("01-warmup-ratio")
    choose(card, 0)
    card.check.click()
    assert "Correct" in card.feedback.value and "Why:" in card.feedback.value
    assert "<code>warmup_steps</code>" in card.feedback.value
    assert card.input.disabled and card.check.disabled and not card.retry.disabled
    assert f"Score: 1 / {TOTAL_01}" in quiz01.score.value and f"answered 1 of {TOTAL_01}" in quiz01.score.value
    assert progress.load()["01-warmup-ratio"]["best_score"] == 1.0


def test_retry_clears_the_card_and_counts_another_attempt(quiz01):
    card = quiz01.card("01-warmup-ratio")
    choose(card, 1)
    card.check.click()
    assert "Not quite" in card.feedback.value and "TypeError" in card.feedback.value
    card.retry.click()
    assert card.input.value is None and card.feedback.value == "" and not card.check.disabled
    choose(card, 0)
    card.check.click()
    assert progress.load()["01-warmup-ratio"] | {"timestamp": ""} == {
        "attempts": 2, "best_score": 1.0, "last_status": "correct", "timestamp": ""}
    assert quiz01.quiz.attempts["01-warmup-ratio"] == 2


def test_multiple_choice_partial_credit(quiz01):
    card = quiz01.card("01-best-metric")
    choose(card, 0, 1)
    card.check.click()
    assert "Partly right" in card.feedback.value and "You left out 1 right choice." in card.feedback.value
    assert all(box.disabled for box in card.input.children)
    assert f"Score: 0.666667 / {TOTAL_01}" in quiz01.score.value
    card.retry.click()
    assert not any(box.value or box.disabled for box in card.input.children)


def test_an_answer_of_the_wrong_form_is_not_an_attempt(quiz01):
    card = quiz01.card("01-warmup-count")
    card.input.value = "about twenty"
    card.check.click()
    assert "answer with a number" in card.feedback.value and not card.check.disabled
    assert quiz01.quiz.attempts["01-warmup-count"] == 0 and progress.load() == {}
    card.input.value = "19"
    card.check.click()
    assert "Correct" in card.feedback.value


def test_text_question(quiz01):
    card = quiz01.card("01-eval-prefix")
    card.input.value = "`Eval_Accuracy`"
    card.check.click()
    assert "Correct" in card.feedback.value


def test_open_question_model_answer_then_self_assessment(quiz01, empty_home):
    quiz = quiz01
    card = quiz.card("01-validation-and-test")
    assert isinstance(card.input, w.Textarea) and card.assessment.layout.display == "none"
    card.input.value = "My answer."
    card.check.click()
    assert "Model answer" in card.feedback.value and card.assessment.layout.display == "flex"
    assert "<code>load_best_model_at_end=True</code>" in card.feedback.value, "the model answer, as Markdown"
    assert card.retry.disabled and progress.load() == {}, "nothing recorded before the self-assessment"
    card.not_yet.click()
    assert "Not quite" in card.feedback.value and card.assessment.layout.display == "none"
    assert progress.load()[card.question.id]["last_status"] == "incorrect"
    card.retry.click()
    card.check.click()
    card.got_it.click()
    assert progress.load()[card.question.id]["best_score"] == 1.0
    assert f"Score: 1 / {TOTAL_01}" in quiz.score.value


def test_review_puts_missed_questions_first(empty_home):
    progress.record(engine.check(engine.question("03-rslora"), "2"))
    progress.record(engine.check(engine.question("03-scaling"), "2"))
    quiz = ftcourse.quiz(3, review=True, n=2)
    assert quiz.cards[0].question.id == "03-rslora"
    assert "missed questions first" in quiz.children[0].value


def test_progress_problems_show_in_the_card(quiz01, empty_home):
    (empty_home / "quiz").mkdir(parents=True)
    (empty_home / "quiz" / "progress.json").write_text("{broken")
    card = quiz01.card("01-eval-prefix")
    card.input.value = "eval_accuracy"
    card.check.click()
    assert "Correct" in card.feedback.value and "a fresh one started" in card.feedback.value
    assert progress.load()["01-eval-prefix"]["attempts"] == 1


def test_unknown_question_in_a_quiz(quiz01):
    with pytest.raises(ftcourse.CourseError, match="question 02-csv-splits is not in this quiz: it has 01-"):
        quiz01.card("02-csv-splits")


def test_ftcourse_quiz_is_both_the_call_and_the_package(empty_home):
    import ftcourse.quiz.engine as imported

    assert imported is engine and ftcourse.quiz.progress is progress
    assert isinstance(ftcourse.quiz(n=2, seed=0), ftcourse.quiz.widget.QuizWidget)
    with pytest.raises(ftcourse.CourseError, match="no quiz for lesson 'lora'"):
        ftcourse.quiz("lora")


KERNEL_SESSION = r'''
import json, ftcourse
quiz = ftcourse.quiz("01", seed=4)
card = quiz.card("01-warmup-ratio")
card.input.value = 0
card.check.click()
print(json.dumps({"feedback": card.feedback.value, "score": quiz.score.value}))
'''


def test_in_a_real_kernel_answers_reach_python_and_are_recorded(empty_home):
    """The same clicks, sent through a Jupyter kernel as the notebook front end would."""
    import json
    import os

    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(KERNEL_SESSION)])
    assert os.environ["FTCOURSE_HOME"] == str(empty_home)  # the kernel inherits it
    NotebookClient(notebook, timeout=120, kernel_name="python3").execute()
    shown = json.loads(notebook.cells[0].outputs[-1].text)
    assert "Correct" in shown["feedback"] and f"Score: 1 / {TOTAL_01}" in shown["score"]
    assert progress.load()["01-warmup-ratio"]["attempts"] == 1
