"""Practice quizzes: a question bank per lesson, checked by one engine, in a notebook or a terminal.

In a notebook, `ftcourse.quiz("01")` shows the quiz of lesson 01 (see `quiz` below for the options).
`engine` loads the bank and judges answers, `templates` draws fresh numbers for questions that
compute something, `progress` keeps results and review schedules in the course cache folder,
`widget` is the notebook quiz and `terminal` the `ftcourse quiz` command.
"""
import sys
import types


def quiz(lesson=None, n=None, seed=None, review=False, due=False):
    """Show the quiz of a lesson ("01" or "01_trainer_api"; None: every lesson) in a notebook.

    `n` asks at most n questions, `seed` fixes the order of questions and choices, `review` puts the
    questions missed before first, `due` asks only the questions due for review today (the quiz's
    "Review what is due" button does the same). Results go to the progress file. Returns the widget,
    which a notebook displays when it is a cell's last expression.
    """
    from .widget import quiz_widget  # ipywidgets only when a quiz is shown, not on `import ftcourse`

    return quiz_widget(lesson, n=n, seed=seed, review=review, due=due)


class _CallablePackage(types.ModuleType):
    """`ftcourse.quiz(...)` shows a quiz, while `ftcourse.quiz` stays this package: a function of the
    same name would hide it and break `import ftcourse.quiz.engine as engine`."""

    def __call__(self, *args, **kwargs):
        return quiz(*args, **kwargs)


sys.modules[__name__].__class__ = _CallablePackage
