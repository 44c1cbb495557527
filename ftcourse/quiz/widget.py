"""The quiz in a notebook, built from ipywidgets only: it works offline in JupyterLab 4, with nothing
from a CDN and no custom JavaScript.

Callbacks only read widget values and call the engine, so tests drive the quiz without a browser:
set an input's value, call `card.check.click()`, then read `card.feedback.value` and the progress file.
"""
import html
import warnings

import ipywidgets as w
import mistune

from ..shared.errors import CourseError
from . import engine, progress

_markdown = mistune.create_markdown(escape=True, plugins=["table"])
STATUS = {"correct": ("✔ Correct", "green"), "partial": ("◐ Partly right", "darkorange"),
          "incorrect": ("✘ Not quite", "firebrick"), "self-assessed": ("Model answer", "steelblue")}


def _input(q: engine.Question, choices: list):
    """The widget a student answers with; for choices, its options carry the bank's choice index.

    Choice widgets are labelled by letter only: their labels cannot wrap, so the full texts are
    shown above them instead (see `_choice_list`).
    """
    letters = engine.LETTERS[:len(choices)]
    if q.type == "single":
        return w.RadioButtons(options=[(letter, index) for letter, (index, _) in zip(letters, choices)],
                              value=None, orientation="horizontal")
    if q.type == "multiple":
        return w.HBox([w.Checkbox(description=letter, value=False, indent=False, layout=w.Layout(width="4em"))
                       for letter in letters])
    if q.type == "open":
        return w.Textarea(placeholder="Write your answer, then Check to compare it with a model answer.",
                          rows=5, layout=w.Layout(width="100%"))
    hint = "a number, e.g. 42 or 0.25" if q.type == "numeric" else "your answer"
    return w.Text(placeholder=hint, layout=w.Layout(width="24em"))


def _choice_list(choices: list) -> str:
    return "".join(_markdown(f"**{engine.LETTERS[n]})** {choice.text}") for n, (_, choice) in enumerate(choices))


class QuestionCard(w.VBox):
    """One question: its input, Check and Retry, the feedback, and for open questions a self-assessment."""

    def __init__(self, quiz: engine.Quiz, q: engine.Question, number: int, on_score):
        self.quiz, self.question, self._on_score = quiz, q, on_score
        self.choices = quiz.choices(q)
        self.input = _input(q, self.choices)
        self.check = w.Button(description="Check", button_style="primary")
        self.retry = w.Button(description="Retry", disabled=True)
        self.got_it = w.Button(description="I got it", button_style="success")
        self.not_yet = w.Button(description="Not yet", button_style="warning")
        self.assessment = w.HBox([self.got_it, self.not_yet], layout=w.Layout(display="none"))
        self.feedback = w.HTML()
        self.check.on_click(self._check)
        self.retry.on_click(self._retry)
        self.got_it.on_click(lambda _: self._assess(True))
        self.not_yet.on_click(lambda _: self._assess(False))
        title = (f"<b>Question {number}</b> <small>· {html.escape(q.section)} · difficulty "
                 f"{'●' * q.difficulty}{'○' * (3 - q.difficulty)} · <code>{q.id}</code></small>")
        super().__init__([w.HTML(title), w.HTML(_markdown(q.prompt) + _choice_list(self.choices)), self.input,
                          w.HBox([self.check, self.retry]), self.assessment, self.feedback],
                         layout=w.Layout(border="1px solid #ddd", padding="0.5em", margin="0 0 1em 0"))

    def response(self):
        """The current answer, in the engine's terms (bank choice indices for choice questions)."""
        if self.question.type == "multiple":
            return [index for (index, _), box in zip(self.choices, self.input.children) if box.value]
        return self.input.value

    def _set_locked(self, locked: bool) -> None:
        for widget in [self.input, *getattr(self.input, "children", ())]:
            widget.disabled = locked
        self.check.disabled = locked
        self.retry.disabled = not locked

    def _check(self, _button=None) -> None:
        try:
            result = self.quiz.answer(self.question, self.response())
        except CourseError as err:  # an answer of the wrong form: say what is expected, count nothing
            self.feedback.value = f"<span style='color:firebrick'>{html.escape(str(err))}</span>"
            return
        self._set_locked(True)
        self._on_score()
        if result.status == "self-assessed":
            self.retry.disabled = True  # assess first, so that the attempt is recorded
            self.assessment.layout.display = "flex"
            self._show(result, "Did you get the main points?")
        else:
            self._show(result, self._record(result))

    def _assess(self, got_it: bool) -> None:
        result = self.quiz.assess(self.question, got_it)
        self.assessment.layout.display = "none"
        self.retry.disabled = False
        self._on_score()
        self._show(result, self._record(result))

    def _record(self, result: engine.Result) -> str:
        """Save the result; a note for the student if the progress file was set aside or is unwritable."""
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                progress.record(result)
        except CourseError as err:
            return f"Progress not saved: {err}"
        return " ".join(str(w.message) for w in caught)

    def _show(self, result: engine.Result, note: str) -> None:
        label, colour = STATUS[result.status]
        score = "" if result.status == "self-assessed" else f" (score {result.score:.2g})"
        parts = [f"<b style='color:{colour}'>{label}{score}</b>"]
        parts += [_markdown(line) for line in result.feedback]
        parts.append(_markdown(f"**Why:** {result.explanation}"))
        if note:
            parts.append(f"<i>{html.escape(note)}</i>")
        self.feedback.value = "".join(parts)

    def _retry(self, _button=None) -> None:
        if self.question.type == "multiple":
            for box in self.input.children:
                box.value = False
        else:
            self.input.value = None if self.question.type == "single" else ""
        self.feedback.value = ""
        self._set_locked(False)


class QuizWidget(w.VBox):
    """A whole quiz: a header, one card per question and a running score."""

    def __init__(self, quiz: engine.Quiz, heading: str):
        self.quiz = quiz
        self.score = w.HTML()
        self.cards = [QuestionCard(quiz, q, n, self._update_score) for n, q in enumerate(quiz.questions, 1)]
        self._update_score()
        header = w.HTML(f"<h3>{html.escape(heading)}</h3><small>{len(self.cards)} questions, seed {quiz.seed} "
                        f"(pass <code>seed={quiz.seed}</code> to get the same order again)</small>")
        super().__init__([header, *self.cards, self.score])

    def card(self, question_id: str) -> QuestionCard:
        for card in self.cards:
            if card.question.id == question_id:
                return card
        listed = ", ".join(c.question.id for c in self.cards)
        raise CourseError(f"question {question_id} is not in this quiz: it has {listed}")

    def _update_score(self) -> None:
        quiz, attempts = self.quiz, sum(self.quiz.attempts.values())
        self.score.value = (f"<b>Score: {quiz.score:g} / {len(quiz.questions)}</b> · answered {len(quiz.best)} "
                            f"of {len(quiz.questions)} · {attempts} attempt{'' if attempts == 1 else 's'}")


def quiz_widget(lesson=None, n=None, seed=None, review=False) -> QuizWidget:
    first = progress.missed() if review else ()
    quiz = engine.Quiz(lesson, n=n, seed=seed, first=first)
    heading = f"Quiz: {engine.lesson(lesson).title}" if lesson is not None else "Quiz: the whole course"
    return QuizWidget(quiz, heading + (" (missed questions first)" if review else ""))
