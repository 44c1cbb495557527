"""The quiz engine: checking each question type, clear errors, seeded order, and scoring a sitting."""
import pytest

from ftcourse.quiz import engine
from ftcourse.shared.errors import CourseError

SINGLE = engine.question("01-warmup-ratio")  # right: a
MULTIPLE = engine.question("01-best-metric")  # right: a, b, d
NUMERIC = engine.question("03-target-dense")  # 114434, tolerance 0
TEXT = engine.question("01-eval-prefix")
OPEN = engine.question("03-zero-b")


def test_single_choice_by_letter_or_index():
    right = engine.check(SINGLE, "a")
    assert (right.status, right.score) == ("correct", 1.0)
    wrong = engine.check(SINGLE, 1)
    assert (wrong.status, wrong.score) == ("incorrect", 0.0)
    assert "TypeError" in wrong.feedback[0] and "warmup_ratio" in wrong.feedback[0]
    assert "`warmup_ratio` no longer exists" in wrong.explanation


@pytest.mark.parametrize("picked, status, score", [
    (["a", "b", "d"], "correct", 1.0),
    ([3, 0, 1], "correct", 1.0),
    (["a"], "partial", 1 / 3),
    (["a", "b"], "partial", 2 / 3),
    (["a", "b", "c"], "partial", 1 / 3),  # a wrong pick cancels a right one
    (["a", "c"], "incorrect", 0.0),
    (["a", "b", "c", "d"], "partial", 2 / 3),
    ([], "incorrect", 0.0),
])
def test_multiple_choice_gives_partial_credit(picked, status, score):
    result = engine.check(MULTIPLE, picked)
    assert result.status == status and result.score == pytest.approx(score)


def test_multiple_choice_feedback_covers_picks_and_misses():
    result = engine.check(MULTIPLE, ["a", "c"])
    assert result.feedback[0].startswith("✓") and result.feedback[1].startswith("✗")
    assert "with or without" in result.feedback[1]
    missing = "; ".join(f"**{MULTIPLE.choices[i].text}**" for i in sorted(MULTIPLE.answer - {0}))
    assert result.feedback[-1] == f"You left out 2 right choices: {missing}", "the missing choices are named"


@pytest.mark.parametrize("response", [114434, 114434.0, "114434", "114,434", " 114_434 "])
def test_numeric_accepts_common_spellings(response):
    assert engine.check(NUMERIC, response).status == "correct"


def test_numeric_tolerance_and_wrong_value():
    accuracy = engine.question("01-accuracy-from-logits")  # 0.667 ± 0.01
    assert engine.check(accuracy, "0.6667").status == "correct"
    assert engine.check(accuracy, 2 / 3).status == "correct"
    wrong = engine.check(NUMERIC, "110592")
    assert wrong.status == "incorrect" and "114,434" in wrong.feedback[0]
    for ambiguous in ("7,44,98", "0,5"):  # not thousands separators: refused rather than guessed
        with pytest.raises(CourseError, match="a number"):
            engine.check(accuracy, ambiguous)


@pytest.mark.parametrize("response", ["eval_accuracy", "  Eval_Accuracy ", "`eval_accuracy`",
                                      "'eval_accuracy'", '"eval_accuracy":', "eval_accuracy.",
                                      '["eval_accuracy"]'])
def test_text_answers_ignore_case_quotes_and_punctuation(response):
    assert engine.check(TEXT, response).status == "correct"


def test_text_answers_accept_each_listed_alternative():
    names = engine.question("02-split-names")
    assert names.answer == ("test",) and engine.check(names, '"Test"').status == "correct"
    several = engine.Question(**{**vars(TEXT), "answer": ("eval_accuracy", "metrics['eval_accuracy']")})
    assert [engine.check(several, r).status for r in ("eval_accuracy", "metrics[eval_accuracy]")] == ["correct"] * 2
    assert "`eval_accuracy`" in engine.check(several, "accuracy").feedback[0], "the first one is shown"


@pytest.mark.parametrize("response", ["eval accuracy", "accuracy", "eval_accuracies", "test_accuracy"])
def test_text_answers_still_need_the_right_name(response):
    result = engine.check(TEXT, response)
    assert result.status == "incorrect" and "eval_accuracy" in result.feedback[0]


def test_open_question_shows_the_model_answer_then_self_assessment():
    shown = engine.check(OPEN, "so that the adapter changes nothing at first")
    assert (shown.status, shown.score) == ("self-assessed", 0.0)
    assert OPEN.answer in shown.feedback
    assert (engine.self_assess(OPEN, True).status, engine.self_assess(OPEN, True).score) == ("correct", 1.0)
    assert engine.self_assess(OPEN, False).score == 0.0
    with pytest.raises(CourseError, match="checked automatically: use check"):
        engine.self_assess(SINGLE, True)


@pytest.mark.parametrize("q, response, expected", [
    (SINGLE, ["a"], "one choice: a letter a-d or an index 0-3"),
    (SINGLE, None, "one choice"),
    (SINGLE, "e", "one choice"),
    (SINGLE, True, "one choice"),
    (MULTIPLE, "a,b", r"a list of choices, e.g. \['a', 'c'\]"),
    (MULTIPLE, ["a", "z"], "a list of choices: a letter a-d"),
    (NUMERIC, "about 70k", "a number, e.g. 42 or 0.25"),
    (NUMERIC, "", "a number"),
    (TEXT, 3, "some text"),
    (TEXT, "  ", "some text"),
    (OPEN, None, "your answer as text"),
])
def test_responses_of_the_wrong_form_say_what_is_expected(q, response, expected):
    with pytest.raises(CourseError, match=f"question {q.id} is {q.type}: answer with {expected}"):
        engine.check(q, response)


@pytest.mark.parametrize("name", ["01", "1", 1, "01_trainer_api", " 01 "])
def test_lessons_by_code_or_name(name):
    assert engine.lesson(name).name == "01_trainer_api"


def test_unknown_lessons_and_questions_list_the_valid_ones():
    with pytest.raises(CourseError, match=r"no quiz for lesson '07': use one of 01 \(01_trainer_api\), "
                                          r".*04 \(04_evaluation\), 05 \(05_instruction_tuning\)$"):
        engine.lesson("07")
    with pytest.raises(CourseError, match=r"no quiz for lesson '06'"):  # the graded quiz has no practice questions
        engine.lesson("06")
    last_03, last = engine.lesson("03").questions[-1].id, engine.select()[-1].id
    with pytest.raises(CourseError, match="no question '03-lora-r' in the quiz bank: use one of 03-rank-double, "
                                          f".*, 03-zero-b, .*{last_03}$") as raised:
        engine.question("03-lora-r")
    assert "04-" not in str(raised.value), "the questions of the lesson its id names"
    with pytest.raises(CourseError, match=f"use one of 01-default-collator, .*04-confidence-interval, .*{last}$"):
        engine.question("nonsense")
    with pytest.raises(CourseError, match="no question '03-minilm-qv'"):  # moved to the graded quiz
        engine.question("03-minilm-qv")


def test_the_seed_fixes_questions_and_choices():
    one, again, other = engine.Quiz("02", seed=7), engine.Quiz("02", seed=7), engine.Quiz("02", seed=8)
    assert one.questions == again.questions != other.questions
    assert [one.choices(q) for q in one.questions] == [again.choices(q) for q in again.questions]
    assert sorted(q.id for q in one.questions) == sorted(q.id for q in engine.lesson("02").questions)
    orders = {tuple(i for i, _ in engine.Quiz("02", seed=s).choices(SINGLE)) for s in range(20)}
    assert len(orders) > 1, "choices are shuffled"


def test_choice_order_does_not_depend_on_the_other_questions():
    whole, part = engine.Quiz(None, seed=3), engine.Quiz("01", n=2, seed=3)
    assert all(whole.choices(q) == part.choices(q) for q in part.questions)


def test_n_first_and_random_seed():
    quiz = engine.Quiz("04", n=3, seed=1, first={"04-rouge2", "04-bleu-short"})
    assert len(quiz.questions) == 3
    assert {q.id for q in quiz.questions[:2]} == {"04-rouge2", "04-bleu-short"}
    assert isinstance(engine.Quiz("04").seed, int)
    with pytest.raises(CourseError, match="n must be a whole number of questions, at least 1, got 0"):
        engine.Quiz("04", n=0)


def test_a_sitting_counts_attempts_and_keeps_the_best_score():
    quiz = engine.Quiz("01", seed=0)
    quiz.answer(MULTIPLE, ["a"])
    quiz.answer(MULTIPLE, ["a", "b", "d"])
    quiz.answer(MULTIPLE, ["c"])
    quiz.answer(OPEN, "shown, not yet assessed")
    quiz.assess(OPEN, True)
    with pytest.raises(CourseError):
        quiz.answer(SINGLE, "z")
    assert quiz.attempts == {"01-best-metric": 3, "03-zero-b": 1}
    assert quiz.best["01-best-metric"].score == 1.0
    assert quiz.score == 2.0


def test_dont_know_and_the_right_answer_after_a_wrong_one():
    single = engine.question("02-csv-splits")
    wrong = engine.check(single, "b")
    assert wrong.feedback[-1] == f"The right answer: **{single.choices[0].text}**" and wrong.response == "b"
    assert engine.check(single, 0).feedback == (engine.check(single, "a").feedback[0],), "no extra line when right"
    unknown = engine.dont_know(single)
    assert (unknown.status, unknown.score, unknown.response) == ("unknown", 0.0, None)
    assert unknown.feedback == (f"The answer is **{single.choices[0].text}**.",)
    assert engine.dont_know(engine.question("02-split-names")).feedback == ("The answer is `test`.",)
    assert engine.check(engine.question("01-best-metric"), [3, "a"]).response == ["a", "d"], "letters, bank order"
