"""`ftcourse quiz` in a fresh process with piped standard input, progress going to a temporary home."""
import json
import os
import subprocess
import sys

from conftest import ROOT
from ftcourse.quiz import engine, progress


def quiz_cli(stdin: str, *args):
    """Run `ftcourse quiz ARGS` with STDIN piped in; return (exit code, stdout, stderr)."""
    done = subprocess.run([sys.executable, "-m", "ftcourse", "quiz", *args], input=stdin, capture_output=True,
                          text=True, env=dict(os.environ), cwd=ROOT, timeout=120)
    return done.returncode, done.stdout, done.stderr


def right_answer(quiz: engine.Quiz, q: engine.Question) -> str:
    """What a student types to answer `q` right, given the order the quiz shows the choices in."""
    assert q.type != "open", f"{q.id} is assessed by the student, not answered: pick another seed"
    shown = [index for index, _ in quiz.choices(q)]
    if q.type == "single":
        return engine.LETTERS[shown.index(q.answer)]
    if q.type == "multiple":
        return ", ".join(str(shown.index(i) + 1) for i in sorted(q.answer))  # numbers work too
    if q.type == "numeric":
        return str(q.answer)
    return q.answer[0]


def answerable_seed(lesson, n, start=11) -> int:
    """A seed whose first n questions of `lesson` are all answered (no open question among them)."""
    return next(s for s in range(start, start + 200)
                if "open" not in {q.type for q in engine.Quiz(lesson, n=n, seed=s).questions})


def saved(home) -> dict:
    return json.loads((home / "quiz" / "progress.json").read_text())["questions"]


def test_a_whole_quiz_answered_right(empty_home):
    seed = answerable_seed("02", 4)
    quiz = engine.Quiz("02", n=4, seed=seed)
    code, out, err = quiz_cli("".join(right_answer(quiz, q) + "\n" for q in quiz.questions),
                              "--lesson", "02_custom_datasets", "-n", "4", "--seed", str(seed))
    assert code == 0, err
    assert out.count("Correct.") == 4 and "Score: 4 out of 4 answered (4 in this quiz)" in out
    assert [line.split(" · ")[-1] for line in out.splitlines() if line.startswith("--- Question")] == \
        [q.id for q in quiz.questions]
    assert set(saved(empty_home)) == {q.id for q in quiz.questions}


def test_bad_input_is_asked_again_and_wrong_answers_get_feedback(empty_home):
    # a seed whose first question is a single choice: "zz" and an empty line are no answer to it
    seed = next(s for s in range(100) if engine.Quiz("01", n=1, seed=s).questions[0].type == "single")
    quiz = engine.Quiz("01", n=1, seed=seed)
    q = quiz.questions[0]
    wrong = "a" if right_answer(quiz, q) != "a" else "b"
    code, out, _ = quiz_cli(f"zz\n\n{wrong}\n", "--lesson", "1", "-n", "1", "--seed", str(seed))
    assert code == 0 and out.count("Please answer with") == 2
    assert "Not quite." in out and "Why:" in out
    assert saved(empty_home)[q.id]["last_status"] == "incorrect"


def test_end_of_input_stops_cleanly_and_keeps_answers(empty_home):
    quiz = engine.Quiz("04", n=5, seed=3)
    first = quiz.questions[0]
    code, out, err = quiz_cli(right_answer(quiz, first) + "\n", "--lesson", "04", "-n", "5", "--seed", "3")
    assert code == 0 and err == ""
    assert "Stopped before the end." in out and "Score: 1 out of 1 answered (5 in this quiz)" in out
    assert list(saved(empty_home)) == [first.id]
    code, out, _ = quiz_cli("", "--lesson", "04")
    assert code == 0 and "Score: 0 out of 0 answered" in out


def test_open_questions_show_the_model_answer_and_ask_y_or_n(empty_home):
    opened = {"01-validation-and-test", "03-zero-b"}
    for qid in opened:  # missed before, so that a review of every lesson asks these two first
        progress.record(engine.self_assess(engine.question(qid), False))
    quiz = engine.Quiz(None, n=2, seed=5, first=opened)
    assert {q.id for q in quiz.questions} == opened
    code, out, _ = quiz_cli("B is zero\nmaybe\ny\n\nn\n", "--review", "-n", "2", "--seed", "5")
    assert code == 0 and out.count("Model answer:") == 2
    assert all(engine.question(qid).answer.splitlines()[0] in out for qid in opened)
    assert out.count("Did you get the main points? [y/n]:") == 3
    assert {qid: e["last_status"] for qid, e in saved(empty_home).items()} == {
        quiz.questions[0].id: "correct", quiz.questions[1].id: "incorrect"}


def test_review_asks_missed_questions_first_and_report_sums_up(empty_home):
    progress.record(engine.check(engine.question("03-merge"), ["d"]))
    total = len(engine.lesson("03").questions)
    code, out, _ = quiz_cli("", "--lesson", "03", "--review")
    assert code == 0 and f"--- Question 1/{total} · Saving and loading adapters · difficulty 3 · 03-merge" in out
    code, out, _ = quiz_cli("", "--report")
    assert code == 0
    row = next(line for line in out.splitlines() if line.startswith("03 "))
    assert row.split() == ["03", "LoRA", "and", "PEFT", f"1/{total}", "0", "0", f"0/{total}", "0%"]
    assert str(empty_home / "quiz" / "progress.json") in out


def test_errors_name_the_fix(empty_home):
    code, _, err = quiz_cli("", "--lesson", "9")
    assert code == 2 and "no quiz for lesson '9': use one of 01 (01_trainer_api)" in err
    (empty_home / "quiz").mkdir(parents=True)
    (empty_home / "quiz" / "progress.json").write_text("[]")
    seed = next(s for s in range(100) if engine.Quiz("01", seed=s).questions[0].type != "open")
    code, out, err = quiz_cli("?\n", "--lesson", "01", "--seed", str(seed))  # a corrupt file does not stop the quiz
    assert code == 0 and "Question" in out
    kept = list((empty_home / "quiz").glob("progress.corrupt-*.json"))
    assert err == f"The quiz progress file was unreadable (not a version 2 progress file); it is kept as {kept[0]} " \
                  "and a fresh one was started.\n", "one plain line, no Python warning"


def on(day: str) -> dict:
    return {**os.environ, "FTCOURSE_QUIZ_TODAY": day}


def quiz_at(day: str, stdin: str, *args):
    done = subprocess.run([sys.executable, "-m", "ftcourse", "quiz", *args], input=stdin, capture_output=True,
                          text=True, env=on(day), cwd=ROOT, timeout=120)
    return done.returncode, done.stdout, done.stderr


def asked(out: str) -> list:
    return [line.split(" · ")[-1] for line in out.splitlines() if line.startswith("--- Question")]


def test_due_review_over_a_few_days(empty_home):
    """Day 1: three questions, one missed and one not known. Day 2: the two are due. Day 3: the third too."""
    seed = answerable_seed("02", 3)
    quiz = engine.Quiz("02", n=3, seed=seed)
    first, second, third = quiz.questions
    wrong = "zzz" if first.type == "text" else "a, b, c, d" if first.type == "multiple" else \
        "999999" if first.type == "numeric" else next(l for l in "abcd" if l != right_answer(quiz, first))
    code, out, err = quiz_at("2026-03-02", f"{wrong}\n?\n{right_answer(quiz, third)}\n",
                             "--lesson", "02", "-n", "3", "--seed", str(seed))
    assert code == 0 and err == ""
    assert "Not quite." in out and "Recorded as not known yet." in out and out.count("Correct.") == 1
    assert out.count("Next review: 2026-03-03 (in 1 day), box 0 of 5.") == 2
    assert "Next review: 2026-03-04 (in 2 days), box 1 of 5." in out
    code, out, _ = quiz_at("2026-03-02", "", "--due")
    assert (code, out) == (0, "Nothing is due for review on 2026-03-02. The next review is on 2026-03-03 (in 1 day).\n")
    review = engine.Quiz(None, seed=7, only={first.id, second.id})
    code, out, err = quiz_at("2026-03-03", "".join(right_answer(review, q) + "\n" for q in review.questions),
                             "--due", "--seed", "7")
    assert code == 0 and err == ""
    assert out.startswith("Review of what is due on 2026-03-03 in every lesson: 2 questions")
    assert sorted(asked(out)) == sorted([first.id, second.id]) and out.count("Correct.") == 2
    code, out, _ = quiz_at("2026-03-04", "", "--due")
    assert asked(out) == [third.id], "the two answered right on 03-03 are due on 03-05"
    history = saved(empty_home)[first.id]["history"]
    assert [(h["time"][:10], h["status"]) for h in history] == [("2026-03-02", "incorrect"), ("2026-03-03", "correct")]
    assert saved(empty_home)[second.id]["history"][0]["status"] == "unknown"
    code, out, _ = quiz_at("2026-03-04", "", "--report", "--lesson", "02")
    lines = out.splitlines()
    assert lines[0] == ("Progress on 2026-03-04 (seen: answered at least once; mastered: right 3 reviews in a row; "
                        "due: to review today):")
    total = len(engine.lesson("02").questions)
    assert lines[2].split() == ["lesson", "title", "seen", "mastered", "due", "score"]
    assert lines[3].split()[:6] == ["02", "Custom", "datasets", f"3/{total}", "0", "1"] and len(lines[3:]) > 1
    assert not any(line.startswith(("01", "all")) for line in lines), "only lesson 02"
    assert "Missed most:" in out and first.id in out and second.id in out


def test_help_lists_lessons_and_answer_formats():
    code, out, _ = quiz_cli("", "--help")
    assert code == 0
    for found in engine.load_bank().values():
        assert f"  {found.code}  {found.name}" in out
    for kind, form in (("single", "one letter or number"), ("numeric", "a number"), ("?", "don't know")):
        assert any(line.split()[:1] == [kind] and form in line for line in out.splitlines()), kind
    assert "--due" in out and "FTCOURSE_QUIZ_TODAY" in out


def test_a_closed_pipe_is_no_error(empty_home):
    """`ftcourse quiz --report | head`: the reader goes away; no traceback, exit status 0."""
    for args, stdin in ((["--report"], b""), (["--lesson", "01", "-n", "2"], b"a\na\n")):
        process = subprocess.Popen([sys.executable, "-m", "ftcourse", "quiz", *args], stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
        process.stdout.close()  # before anything is written: the first write finds no reader
        _, err = process.communicate(stdin, timeout=120)
        assert (process.returncode, err.decode()) == (0, ""), args


def test_an_unwritable_progress_folder_is_said_once_and_the_quiz_goes_on(tmp_path):
    (tmp_path / "file").write_text("")
    env = {**os.environ, "FTCOURSE_HOME": str(tmp_path / "file" / "home")}
    quiz = engine.Quiz("04", n=3, seed=2)
    done = subprocess.run([sys.executable, "-m", "ftcourse", "quiz", "--lesson", "04", "-n", "3", "--seed", "2"],
                          input="".join(right_answer(quiz, q) + "\n" if q.type != "open" else "\ny\n"
                                        for q in quiz.questions),
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert done.returncode == 0 and "Score: 3 out of 3 answered" in done.stdout
    assert len(done.stderr.splitlines()) == 1 and done.stderr.startswith("Progress not saved (the course cache folder")
