"""`ftcourse quiz`: the notebook quiz in a terminal, reading answers from standard input.

It asks each question once, gives feedback at once, records every answer in the progress file, and
ends with the score. When input ends (Ctrl-D, or a closed pipe) it stops cleanly: what was answered
is already saved.
"""
from ..shared.errors import CourseError
from . import engine, progress

FORMS = {"single": "one letter or number", "multiple": "letters or numbers, separated by commas",
         "numeric": "a number", "text": "a word or short phrase"}
VERDICT = {"correct": "Correct.", "partial": "Partly right.", "incorrect": "Not quite."}


def _picks(text: str, count: int) -> list:
    """Display positions from 'b', '2' or 'a, c': 0-based, or None for anything else."""
    picks = []
    for part in text.replace(",", " ").split():
        part = part.strip().lower()
        if len(part) == 1 and part in engine.LETTERS[:count]:
            picks.append(engine.LETTERS.index(part))
        elif part.isdigit() and 1 <= int(part) <= count:
            picks.append(int(part) - 1)
        else:
            return None
    return picks


def _ask(quiz: engine.Quiz, q: engine.Question, choices: list) -> engine.Result:
    """Read answers until one has the right form; raises EOFError when input ends."""
    while True:
        text = input(f"Your answer ({FORMS[q.type]}): ")
        if q.type in ("single", "multiple"):
            picks = _picks(text, len(choices))
            if not picks or (q.type == "single" and len(picks) > 1):
                last = engine.LETTERS[len(choices) - 1]
                print(f"  Please answer with {FORMS[q.type]} (a-{last} or 1-{len(choices)}).")
                continue
            indices = [choices[p][0] for p in picks]
            response = indices[0] if q.type == "single" else indices
        else:
            response = text
        try:
            return quiz.answer(q, response)
        except CourseError:
            print(f"  Please answer with {FORMS[q.type]}.")


def _assess(quiz: engine.Quiz, q: engine.Question) -> engine.Result:
    input("Your answer (write it here or on paper, then press Enter to see a model answer): ")
    print("\nModel answer:\n" + _indent(q.answer) + "\n")
    while True:
        reply = input("Did you get the main points? [y/n]: ").strip().lower()
        if reply in ("y", "yes", "n", "no"):
            return quiz.assess(q, reply.startswith("y"))


def _indent(text: str) -> str:
    return "\n".join("  " + line if line else "" for line in text.strip().splitlines())


def _show(result: engine.Result) -> None:
    if result.question.type != "open":
        print(f"{VERDICT[result.status]} Score {result.score:.2g}.")
        for line in result.feedback:
            print("  " + line.replace("**", ""))
    print("Why:\n" + _indent(result.explanation))


def run(lesson=None, n=None, seed=None, review=False) -> int:
    """Ask the questions of a lesson (None: all lessons); returns the exit status, 0."""
    missed = progress.missed()  # read first: a corrupt progress file stops the quiz before any question
    quiz = engine.Quiz(lesson, n=n, seed=seed, first=missed if review else ())
    scope = f"lesson {engine.lesson(lesson).name}" if lesson is not None else "every lesson"
    print(f"Quiz on {scope}: {len(quiz.questions)} questions (seed {quiz.seed}: `--seed {quiz.seed}` repeats "
          "this order). Ctrl-D stops; answers given so far are kept.")
    try:
        for number, q in enumerate(quiz.questions, 1):
            print(f"\n--- Question {number}/{len(quiz.questions)} · {q.section} · difficulty {q.difficulty} · {q.id}\n")
            print(q.prompt)
            choices = quiz.choices(q)
            for position, (_, choice) in enumerate(choices):
                print(f"  {engine.LETTERS[position]}) {choice.text}")
            result = _assess(quiz, q) if q.type == "open" else _ask(quiz, q, choices)
            _show(result)
            progress.record(result)
    except (EOFError, KeyboardInterrupt):
        print("\n\nStopped before the end.")
    print(f"\nScore: {quiz.score:g} out of {len(quiz.best)} answered ({len(quiz.questions)} in this quiz). "
          f"Progress is saved in {progress.progress_file()}; `ftcourse quiz --report` sums it up.")
    return 0


def report() -> str:
    return progress.report_table(progress.report()) + f"\n\n(progress file: {progress.progress_file()})"
