"""The notebook quiz, driven without a browser: set an input's value, click a button, read the widgets
and the progress file, as a student's clicks would through the kernel."""
import html

import ipywidgets as w
import pytest

import ftcourse
from ftcourse.quiz import engine, progress


TOTAL_01 = len(engine.lesson("01").questions)
TOTAL_03 = len(engine.lesson("03").questions)


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
    kinds = {"single": w.RadioButtons, "multiple": w.VBox, "numeric": w.Text, "text": w.Text, "open": w.Textarea}
    assert all(isinstance(card.input, kinds[card.question.type]) for card in quiz01.cards)
    assert {card.question.type for card in quiz01.cards} == set(kinds)
    assert quiz01._repr_mimebundle_()["application/vnd.jupyter.widget-view+json"]["model_id"], "displayable"
    front_ends = {x._view_module for x in all_widgets(quiz01)}
    assert front_ends == {"@jupyter-widgets/controls"}, "only the views that JupyterLab ships, no custom JavaScript"
    assert f"Score: 0 / {TOTAL_01}" in quiz01.score.value


def test_choice_controls_carry_their_text_as_labels_in_display_order(quiz01):
    """The label of a radio button or checkbox is what a screen reader reads for it: the choice itself."""
    card = quiz01.card("01-warmup-ratio")
    assert [label for label, _ in card.input.options] == [
        f"{letter}) {choice.text.replace('`', '')}" for letter, (_, choice) in zip("abcd", card.choices)]
    assert [index for _, index in card.input.options] == [index for index, _ in card.choices]
    boxes = quiz01.card("01-best-metric").input.children
    assert [box.description for box in boxes] == [f"{letter}) {choice.text.replace('`', '')}" for letter, (_, choice)
                                                  in zip("abcd", quiz01.card("01-best-metric").choices)]
    assert "<style>" in quiz01.header.value and "ftcourse-quiz" in quiz01._dom_classes, "labels may wrap"


def test_math_code_and_announced_feedback(empty_home):
    card = ftcourse.quiz("02", seed=1).card("02-remove-columns")  # its prompt has a Python code block
    assert isinstance(card.prompt, w.HTMLMath) and isinstance(card.feedback, w.HTMLMath), "JupyterLab typesets $...$"
    assert '<div class="highlight"' in card.prompt.value and "style=" in card.prompt.value, "code highlighted inline"
    assert "<link" not in card.prompt.value and "http" not in card.prompt.value, "nothing fetched"
    scaling = ftcourse.quiz("03", seed=1).card("03-scaling")
    scaling.input.value = "2"
    assert r"$\alpha / r$" in scaling.feedback.value, "TeX reaches the HTMLMath widget unchanged"
    assert scaling.feedback.value.startswith('<div role="alert" aria-live="assertive"'), "a screen reader reads it"
    choose(card, (card.question.answer + 1) % 4)
    card.check.click()
    assert card.feedback.value.startswith('<div role="alert"') and "Not quite" in card.feedback.value


def test_enter_checks_a_text_answer_once(quiz01):
    card = quiz01.card("01-eval-prefix")
    assert card.input.continuous_update is False, "the value arrives on Enter, not on every key"
    card.input.value = "eval_accuracy"  # what Enter sends
    assert "Correct" in card.feedback.value and card.check.disabled
    card.check.click()  # the click that moved the focus away: no second attempt
    assert quiz01.quiz.attempts["01-eval-prefix"] == 1 and progress.load()["01-eval-prefix"]["attempts"] == 1
    card.retry.click()
    assert card.feedback.value == "" and quiz01.quiz.attempts["01-eval-prefix"] == 1, "clearing is no answer"


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
    entry = progress.load()["01-warmup-ratio"]
    assert (entry["attempts"], entry["best_score"], entry["last_status"]) == (2, 1.0, "correct")
    assert entry["box"] == 0, "right after a retry is not known: the question stays due tomorrow"
    assert [h["status"] for h in entry["history"]] == ["incorrect", "correct"]
    assert quiz01.quiz.attempts["01-warmup-ratio"] == 2


def test_multiple_choice_partial_credit(quiz01):
    card = quiz01.card("01-best-metric")
    choose(card, 0, 1)
    card.check.click()
    missing = html.escape(card.question.choices[3].text)
    assert "Partly right" in card.feedback.value and f"You left out 1 right choice: <strong>{missing}</strong>" in \
        card.feedback.value, "the missing choice is named"
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
    progress.record(engine.check(engine.question("03-rank-double"), "3"))
    quiz = ftcourse.quiz(3, review=True, n=3)
    assert [c.question.id for c in quiz.cards][:2] == ["03-scaling", "03-rslora"] or \
        [c.question.id for c in quiz.cards][1:] == ["03-scaling", "03-rslora"], "a group stays together, in order"
    assert {c.question.id for c in quiz.cards} == {"03-scaling", "03-rslora", "03-rank-double"}
    assert "missed questions first" in quiz.header.value


def test_progress_problems_show_in_the_card(quiz01, empty_home):
    (empty_home / "quiz").mkdir(parents=True)
    (empty_home / "quiz" / "progress.json").write_text("{broken")
    card = quiz01.card("01-eval-prefix")
    card.input.value = "eval_accuracy"
    card.check.click()
    assert "Correct" in card.feedback.value and "a fresh one was started" in card.feedback.value
    assert progress.load()["01-eval-prefix"]["attempts"] == 1
    card.retry.click()
    card.check.click()
    assert "a fresh one" not in card.feedback.value, "set aside once"


def test_an_unwritable_folder_shows_in_the_card_and_the_quiz_goes_on(tmp_path, monkeypatch):
    (tmp_path / "file").write_text("")
    monkeypatch.setenv("FTCOURSE_HOME", str(tmp_path / "file" / "home"))
    quiz = ftcourse.quiz("01", seed=4)
    card = quiz.card("01-eval-prefix")
    card.input.value = "eval_accuracy"
    card.check.click()
    assert "Correct" in card.feedback.value and "Progress not saved (the course cache folder" in card.feedback.value
    assert f"Score: 1 / {TOTAL_01}" in quiz.score.value


def test_dont_know_shows_the_answer_and_is_recorded(quiz01):
    card = quiz01.card("01-warmup-count")
    card.unknown.click()
    assert "Not known yet" in card.feedback.value and "The answer is" in card.feedback.value
    assert card.check.disabled and card.unknown.disabled and not card.retry.disabled
    entry = progress.load()["01-warmup-count"]
    assert entry["last_status"] == "unknown" and entry["history"][0]["answer"] is None
    card.retry.click()
    assert not card.unknown.disabled


def test_a_wrong_number_gets_the_explanation_of_that_mistake(quiz01):
    card = quiz01.card("01-warmup-count")
    known = card.question.wrong
    assert known, "01-warmup-count lists common wrong answers"
    card.input.value = str(known[0][0])
    card.check.click()
    assert "Not quite" in card.feedback.value and known[0][1].split()[0] in card.feedback.value


def test_review_what_is_due(empty_home, monkeypatch):
    monkeypatch.setenv(progress.CLOCK, "2026-03-02")
    progress.record(engine.check(engine.question("03-rank-double"), "3"))  # wrong: due 03-03
    progress.record(engine.check(engine.question("02-csv-splits"), "a"))  # right: due 03-04
    quiz = ftcourse.quiz("03", seed=1)
    assert quiz.review_due.description == "Review what is due" and "0 questions due" in quiz.due_note.value
    quiz.review_due.click()
    assert "Nothing is due for review on 2026-03-02" in quiz.due_note.value and len(quiz.cards) == TOTAL_03
    monkeypatch.setenv(progress.CLOCK, "2026-03-04")
    everything = ftcourse.quiz(seed=1)
    assert "2 questions due" in everything.due_note.value
    everything.review_due.click()
    assert sorted(c.question.id for c in everything.cards) == ["02-csv-splits", "03-rank-double"]
    assert "review of what is due on 2026-03-04" in everything.header.value
    assert everything.children[-1] is everything.score and everything.cards[0] in everything.children
    only_03 = ftcourse.quiz("03", seed=1)
    only_03.review_due.click()
    assert [c.question.id for c in only_03.cards] == ["03-rank-double"], "the lesson's quiz reviews the lesson's"
    assert {c.question.id for c in ftcourse.quiz(due=True).cards} == {"02-csv-splits", "03-rank-double"}
    progress.record(engine.check(engine.question("03-rslora"), "2"))  # wrong: due 03-05, with its group
    monkeypatch.setenv(progress.CLOCK, "2026-03-05")
    assert [c.question.id for c in ftcourse.quiz("03", due=True).cards] in (
        ["03-rank-double", "03-scaling", "03-rslora"], ["03-scaling", "03-rslora", "03-rank-double"]), \
        "a due question comes with the rest of its group"


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
