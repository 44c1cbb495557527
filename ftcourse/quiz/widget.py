"""The quiz in a notebook, built from ipywidgets only: it works offline in JupyterLab 4, with nothing
from a CDN and no custom JavaScript.

Prompts and feedback are `HTMLMath` (JupyterLab typesets $...$ with its own MathJax), code blocks are
highlighted by pygments with inline styles, each choice control is labelled with the choice's text
(read by screen readers), feedback arrives in an ARIA live region (role="alert"), and Enter in a text
answer checks it (the field reports its value on Enter or when it loses focus).

Callbacks only read widget values and call the engine, so tests drive the quiz without a browser:
set an input's value, call `card.check.click()`, then read `card.feedback.value` and the progress file.
"""
import html
import re

import ipywidgets as w
import mistune
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import TextLexer, get_lexer_by_name
from pygments.util import ClassNotFound

from ..shared.errors import CourseError
from . import engine, progress


class _Renderer(mistune.HTMLRenderer):
    """Markdown to HTML with code blocks highlighted in inline styles: no stylesheet to fetch."""

    def block_code(self, code, info=None):
        try:
            lexer = get_lexer_by_name(info.split()[0]) if info and info.strip() else TextLexer()
        except ClassNotFound:
            lexer = TextLexer()
        return highlight(code, lexer, HtmlFormatter(noclasses=True))


_markdown = mistune.create_markdown(escape=True, renderer=_Renderer(escape=True), plugins=["table"])
# Choice labels wrap onto several lines (ipywidgets gives them one line's height) and take the width.
STYLE = """<style>
.ftcourse-quiz .widget-radio-box label, .ftcourse-quiz .jupyter-widget-radio-box label {
  height: auto; line-height: 1.4; white-space: normal; margin: 0.15em 0; }
.ftcourse-quiz .widget-checkbox, .ftcourse-quiz .jupyter-widget-checkbox { width: auto; height: auto; }
.ftcourse-quiz .widget-checkbox label, .ftcourse-quiz .jupyter-widget-checkbox label {
  height: auto; line-height: 1.4; white-space: normal; }
</style>"""
STATUS = {"correct": ("✔ Correct", "green"), "partial": ("◐ Partly right", "darkorange"),
          "incorrect": ("✘ Not quite", "firebrick"), "self-assessed": ("Model answer", "steelblue"),
          "unknown": ("? Not known yet", "slategray")}


def label(letter: str, choice: engine.Choice) -> str:
    """A choice control's label: its letter and its text, without Markdown's backticks and stars."""
    return f"{letter}) {re.sub(r'[`*]', '', choice.text)}"


def _input(q: engine.Question, choices: list):
    """The widget a student answers with; for choices, its options carry the bank's choice index and
    each control is labelled with the choice's text, so that a screen reader reads it."""
    letters = engine.LETTERS[:len(choices)]
    if q.type == "single":
        return w.RadioButtons(options=[(label(letter, choice), index) for letter, (index, choice)
                                       in zip(letters, choices)], value=None, layout=w.Layout(width="100%"))
    if q.type == "multiple":
        return w.VBox([w.Checkbox(description=label(letter, choice), value=False, indent=False,
                                  layout=w.Layout(width="100%")) for letter, (_, choice) in zip(letters, choices)])
    if q.type == "open":
        return w.Textarea(placeholder="Write your answer, then Check to compare it with a model answer.",
                          rows=5, layout=w.Layout(width="100%"))
    hint = "a number, e.g. 42 or 0.25" if q.type == "numeric" else "your answer"
    # continuous_update=False: the value arrives on Enter (or when the field loses focus), which checks it
    return w.Text(placeholder=hint + " (Enter checks)", continuous_update=False, layout=w.Layout(width="24em"))


class QuestionCard(w.VBox):
    """One question: its input, Check and Retry, the feedback, and for open questions a self-assessment."""

    def __init__(self, quiz: engine.Quiz, q: engine.Question, number: int, on_score):
        self.quiz, self.question, self._on_score = quiz, q, on_score
        self.choices = quiz.choices(q)
        self.input = _input(q, self.choices)
        self.check = w.Button(description="Check", button_style="primary")
        self.retry = w.Button(description="Retry", disabled=True)
        self.unknown = w.Button(description="Don't know", tooltip="Show the answer; recorded as not known yet")
        self.got_it = w.Button(description="I got it", button_style="success")
        self.not_yet = w.Button(description="Not yet", button_style="warning")
        self.assessment = w.HBox([self.got_it, self.not_yet], layout=w.Layout(display="none"))
        self.feedback = w.HTMLMath()
        self.check.on_click(self._check)
        self.retry.on_click(self._retry)
        self.unknown.on_click(self._dont_know)
        self.got_it.on_click(lambda _: self._assess(True))
        self.not_yet.on_click(lambda _: self._assess(False))
        title = (f"<b>Question {number}</b> <small>· {html.escape(q.section)} · difficulty "
                 f"{'●' * q.difficulty}{'○' * (3 - q.difficulty)} · <code>{q.id}</code></small>")
        self.prompt = w.HTMLMath(_markdown(q.prompt))
        if isinstance(self.input, w.Text):
            self.input.observe(self._entered, "value")
        super().__init__([w.HTML(title), self.prompt, self.input,
                          w.HBox([self.check, self.unknown, self.retry]), self.assessment, self.feedback],
                         layout=w.Layout(border="1px solid #ddd", padding="0.5em", margin="0 0 1em 0"))

    def response(self):
        """The current answer, in the engine's terms (bank choice indices for choice questions)."""
        if self.question.type == "multiple":
            return [index for (index, _), box in zip(self.choices, self.input.children) if box.value]
        return self.input.value

    def _entered(self, change) -> None:
        """Enter in a text answer: check it, unless it is empty or the card is already checked."""
        if change["new"].strip() and not self.check.disabled:
            self._check()

    def _set_locked(self, locked: bool) -> None:
        for widget in [self.input, *getattr(self.input, "children", ())]:
            widget.disabled = locked
        self.check.disabled = self.unknown.disabled = locked
        self.retry.disabled = not locked

    def _check(self, _button=None) -> None:
        if self.check.disabled:  # checked already (by Enter, then the click that moved the focus)
            return
        try:
            result = self.quiz.answer(self.question, self.response())
        except CourseError as err:  # an answer of the wrong form: say what is expected, count nothing
            self.feedback.value = _announced(f"<span style='color:firebrick'>{html.escape(str(err))}</span>")
            return
        self._set_locked(True)
        self._on_score()
        if result.status == "self-assessed":
            self.retry.disabled = True  # assess first, so that the attempt is recorded
            self.assessment.layout.display = "flex"
            self._show(result, "Did you get the main points?")
        else:
            self._show(result, self._record(result))

    def _dont_know(self, _button=None) -> None:
        result = self.quiz.dont_know(self.question)
        self._set_locked(True)
        self.assessment.layout.display = "none"
        self._on_score()
        self._show(result, self._record(result))

    def _assess(self, got_it: bool) -> None:
        result = self.quiz.assess(self.question, got_it)
        self.assessment.layout.display = "none"
        self.retry.disabled = False
        self._on_score()
        self._show(result, self._record(result))

    def _record(self, result: engine.Result) -> str:
        """Save the result; the next review date, and a note if the progress file was set aside or unwritable."""
        said = []
        try:
            entry = progress.record(result, say=said.append)
        except CourseError as err:  # FTCOURSE_QUIZ_TODAY is no date
            return f"Progress not saved: {err}"
        return " ".join([f"Next review: {entry['due']}.", *said])

    def _show(self, result: engine.Result, note: str) -> None:
        label, colour = STATUS[result.status]
        score = "" if result.status == "self-assessed" else f" (score {result.score:.2g})"
        parts = [f"<b style='color:{colour}'>{label}{score}</b>"]
        parts += [_markdown(line) for line in result.feedback]
        parts.append(_markdown(f"**Why:** {result.explanation}"))
        if note:
            parts.append(f"<i>{html.escape(note)}</i>")
        self.feedback.value = _announced("".join(parts))

    def _retry(self, _button=None) -> None:
        if self.question.template:  # fresh numbers: a retry is a new question, not the same one again
            self.question = self.quiz.redraw(self.question)
            self.prompt.value = _markdown(self.question.prompt)
        if self.question.type == "multiple":
            for box in self.input.children:
                box.value = False
        else:
            self.input.value = None if self.question.type == "single" else ""
        self.feedback.value = ""
        self._set_locked(False)


def _announced(content: str) -> str:
    """Feedback in an ARIA live region: inserted with role="alert", a screen reader reads it out."""
    return f'<div role="alert" aria-live="assertive" aria-atomic="true">{content}</div>'


class QuizWidget(w.VBox):
    """A whole quiz: a header, "Review what is due", one card per question and a running score.

    "Review what is due" replaces the questions with those due for review today (in every lesson,
    or in this quiz's lesson), as `ftcourse quiz --due` does in a terminal.
    """

    def __init__(self, quiz: engine.Quiz, heading: str, lesson=None):
        super().__init__()  # first: the widget's model, which the children are then set on
        self.lesson = lesson
        self.score = w.HTML()
        self.header = w.HTML()
        self.review_due = w.Button(description="Review what is due", icon="calendar", layout=w.Layout(width="auto"),
                                   tooltip="Ask only the questions due for review today")
        self.review_due.on_click(self._review_due)
        self.due_note = w.HTML()
        self.toolbar = w.HBox([self.review_due, self.due_note])
        self._start(quiz, heading)
        self.add_class("ftcourse-quiz")

    def _start(self, quiz: engine.Quiz, heading: str) -> None:
        self.quiz = quiz
        self.cards = [QuestionCard(quiz, q, n, self._update_score) for n, q in enumerate(quiz.questions, 1)]
        self._update_score()
        self.header.value = (f"{STYLE}<h3>{html.escape(heading)}</h3><small>{len(self.cards)} questions, seed "
                             f"{quiz.seed} (pass <code>seed={quiz.seed}</code> to get the same order again)</small>")
        self.due_note.value = _due_note(self.lesson)
        self.children = [self.header, self.toolbar, *self.cards, self.score]

    def _review_due(self, _button=None) -> None:
        quiz = engine.Quiz(self.lesson, seed=self.quiz.seed, only=progress.due())
        if not quiz.questions:
            self.due_note.value = f"<i>Nothing is due for review on {progress.today()}.</i>"
            return
        self._start(quiz, f"Quiz: review of what is due on {progress.today()}")

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


def _due_note(lesson) -> str:
    ids = {q.id for q in engine.select(lesson)} & set(progress.due())
    return f"<small>{len(ids)} question{'' if len(ids) == 1 else 's'} due for review today</small>"


def quiz_widget(lesson=None, n=None, seed=None, review=False, due=False) -> QuizWidget:
    first = progress.missed() if review else ()
    quiz = engine.Quiz(lesson, n=n, seed=seed, first=first, only=progress.due() if due else None)
    heading = f"Quiz: {engine.lesson(lesson).title}" if lesson is not None else "Quiz: the whole course"
    note = " (missed questions first)" if review else f" (what is due on {progress.today()})" if due else ""
    return QuizWidget(quiz, heading + note, lesson)
