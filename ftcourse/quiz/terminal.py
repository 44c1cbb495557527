"""`ftcourse quiz`: the notebook quiz in a terminal, reading answers from standard input.

It asks each question once, gives feedback at once, records every answer in the progress file (with
the question's next review date), and ends with the score. `--due` asks only the questions due for
review. When input ends (Ctrl-D, or a closed pipe) it stops cleanly: what was answered is already
saved. A progress file that cannot be saved costs one line on standard error, not the quiz.
"""
from datetime import date

from ..shared.errors import CourseError
from . import engine, progress

FORMS = {"single": "one letter or number", "multiple": "letters or numbers, separated by commas",
         "numeric": "a number", "text": "a word or short phrase"}
DONT_KNOW = ("?", "don't know", "dont know", "idk")
VERDICT = {"correct": "Correct.", "partial": "Partly right.", "incorrect": "Not quite.",
           "unknown": "Recorded as not known yet."}


def answer_formats() -> str:
    """The answer formats, for `ftcourse quiz --help`."""
    return "\n".join(f"  {kind:<10}{form}" for kind, form in FORMS.items()) + (
        "\n  open      your own words (or none), then y/n after comparing with a model answer"
        "\n  ?         or \"don't know\", to any but an open question: recorded as not known, shows the answer")


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
        text = input(f"Your answer ({FORMS[q.type]}; ? if you don't know): ")
        if text.strip().casefold() in DONT_KNOW:
            return quiz.dont_know(q)
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
        print(f"{VERDICT[result.status]}" + (f" Score {result.score:.2g}." if result.status != "unknown" else ""))
        for line in result.feedback:
            print("  " + line.replace("**", ""))
    print("Why:\n" + _indent(result.explanation))


def _when(day: str) -> str:
    days = (date.fromisoformat(day) - progress.today()).days
    return f"{day} (in {days} day{'' if days == 1 else 's'})"


def _once(say):
    """`say`, but each message only once per sitting (an unsaved file is announced once, not per answer)."""
    said = set()

    def say_once(message):
        if message not in said:
            said.add(message)
            say(message)
    return say_once


def run(lesson=None, n=None, seed=None, review=False, due=False) -> int:
    """Ask the questions of a lesson (None: all lessons), or only those due for review; returns 0."""
    entries = progress.load()  # only read: a corrupt file is set aside by the first answer, with a message
    if due:
        ids = progress.due(entries)
        quiz = engine.Quiz(lesson, n=n, seed=seed, only=ids)
        if not quiz.questions:
            later = sorted(e["due"] for qid, e in entries.items() if qid in {q.id for q in engine.select(lesson)})
            after = f" The next review is on {_when(later[0])}." if later else " Answer some questions first."
            print(f"Nothing is due for review on {progress.today()}.{after}")
            return 0
    else:
        quiz = engine.Quiz(lesson, n=n, seed=seed, first=progress.missed(entries) if review else ())
    scope = f"lesson {engine.lesson(lesson).name}" if lesson is not None else "every lesson"
    what = f"Review of what is due on {progress.today()} in" if due else "Quiz on"
    count = f"{len(quiz.questions)} question{'' if len(quiz.questions) == 1 else 's'}"
    print(f"{what} {scope}: {count} (seed {quiz.seed}: `--seed {quiz.seed}` repeats "
          "this order). Ctrl-D stops; answers given so far are kept.")
    say = _once(progress.say_on_stderr)
    try:
        for number, q in enumerate(quiz.questions, 1):
            print(f"\n--- Question {number}/{len(quiz.questions)} · {q.section} · difficulty {q.difficulty} · "
                  f"{q.id}\n")
            print(q.prompt)
            choices = quiz.choices(q)
            for position, (_, choice) in enumerate(choices):
                print(f"  {engine.LETTERS[position]}) {choice.text}")
            result = _assess(quiz, q) if q.type == "open" else _ask(quiz, q, choices)
            _show(result)
            entry = progress.record(result, say=say)
            print(f"Next review: {_when(entry['due'])}, box {entry['box']} of {len(progress.INTERVALS) - 1}.")
    except (EOFError, KeyboardInterrupt):
        print("\n\nStopped before the end.")
    print(f"\nScore: {quiz.score:g} out of {len(quiz.best)} answered ({len(quiz.questions)} in this quiz). "
          f"Progress is saved in {progress.progress_file()}; `ftcourse quiz --report` sums it up.")
    return 0


def report(lesson=None) -> str:
    """Progress per lesson (or of one lesson), the questions missed most, and notes on the file."""
    found = progress.read()
    notes = [f"The progress file is unreadable ({found.corrupt}); the next answer sets it aside."] if found.corrupt \
        else [f"{found.unreadable}."] if found.unreadable else []
    if found.bad:
        notes.append(f"Entries of the progress file that could not be read (kept in the file, not counted): "
                     f"{', '.join(found.bad[:5])}{' ...' if len(found.bad) > 5 else ''}.")
    text = progress.report_table(progress.report(lesson, found.entries),
                                 progress.most_missed(lesson, found.entries))
    return "\n".join([f"Progress on {progress.today()} (seen: answered at least once; mastered: right "
                      f"{progress.MASTERED} reviews in a row; due: to review today):", "", text, "", *notes,
                      f"(progress file: {progress.progress_file()})"])
