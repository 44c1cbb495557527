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


def saved(home) -> dict:
    return json.loads((home / "quiz" / "progress.json").read_text())["questions"]


def test_a_whole_quiz_answered_right(empty_home):
    quiz = engine.Quiz("02", n=4, seed=11)
    code, out, err = quiz_cli("".join(right_answer(quiz, q) + "\n" for q in quiz.questions),
                              "--lesson", "02_custom_datasets", "-n", "4", "--seed", "11")
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
    assert out.splitlines()[3].split() == ["03", "LoRA", "and", "PEFT", f"1/{total}", f"0/{total}", "0%"]
    assert str(empty_home / "quiz" / "progress.json") in out


def test_errors_name_the_fix(empty_home):
    code, _, err = quiz_cli("", "--lesson", "9")
    assert code == 2 and "no quiz for lesson '9': use one of 01 (01_trainer_api)" in err
    (empty_home / "quiz").mkdir(parents=True)
    (empty_home / "quiz" / "progress.json").write_text("[]")
    code, out, err = quiz_cli("a\n", "--lesson", "01")  # a corrupt progress file does not stop the quiz
    assert code == 0 and "Question" in out
    assert "a fresh one started" in err and list((empty_home / "quiz").glob("progress.corrupt-*.json"))
