"""The question bank: every file is valid, the content is complete and balanced, and the validator catches
mistakes."""
import math
from collections import Counter

import pytest

from ftcourse.quiz import engine
from ftcourse.shared import catalogue
from ftcourse.shared.errors import CourseError

LESSONS = [found for found in catalogue.lessons() if found.quiz_bank.is_file()]
AUTOMATIC = ("single", "multiple", "numeric", "text")
OPEN_IDS = {"01": "01-validation-and-test", "02": "02-duplicates-by-body", "03": "03-zero-b",
            "04": "04-confidence-interval", "05": "05-end-of-turn"}


@pytest.mark.parametrize("found", LESSONS, ids=[found.name for found in LESSONS])
def test_bank_file_is_valid(found):
    assert engine.lesson_problems(found.quiz_bank, found.number) == []


def test_bank_has_one_file_per_practice_lesson():
    assert [found.quiz_bank.relative_to(catalogue.ROOT).as_posix() for found in LESSONS] == [
        "ftcourse/lessons/trainer_api/quiz.yaml", "ftcourse/lessons/custom_datasets/quiz.yaml",
        "ftcourse/lessons/lora_peft/quiz.yaml", "ftcourse/lessons/evaluation/quiz.yaml",
        "ftcourse/lessons/instruction_tuning/quiz.yaml"]
    assert list(engine.load_bank()) == ["01", "02", "03", "04", "05"]
    assert [lesson.name for lesson in engine.load_bank().values()] == [found.name for found in LESSONS]
    # no bank file outside a lesson's folder, none in a folder that is no lesson, no old bank left
    assert sorted(catalogue.PACKAGE.glob("**/quiz.yaml")) == sorted(found.quiz_bank for found in LESSONS)
    assert not (catalogue.ROOT / "ftcourse" / "quiz" / "bank").exists()
    assert not catalogue.lesson("06").quiz_bank.exists(), "the graded quiz has no practice bank"


@pytest.mark.parametrize("code", ["01", "02", "03", "04", "05"])
def test_each_lesson_has_ten_automatic_questions(code):
    automatic = [q for q in engine.lesson(code).questions if q.type in AUTOMATIC]
    assert len(automatic) >= 10
    assert len({q.type for q in automatic}) >= 3, "mix the question types"


def test_each_lesson_has_one_open_question_for_self_study():
    found = {code: [q.id for q in lesson.questions if q.type == "open"] for code, lesson in engine.load_bank().items()}
    assert found == {code: [qid] for code, qid in OPEN_IDS.items()}
    assert all(q.lesson == q.id[:2] for q in engine.select())
    model = {code: engine.question(qid).answer for code, qid in OPEN_IDS.items()}
    assert "test_" in model["01"] and "load_best_model_at_end" in model["01"]
    assert "before" in engine.question("02-duplicates-by-body").prompt and "shuffle=True" in model["02"]
    assert "init_lora_weights=False" in model["03"] and "Kaiming-uniform" in model["03"]
    assert "bootstrap" in model["04"] and "0.83 to 0.87" in model["04"]
    assert "ignore_index=-100" in model["05"] and "DataCollatorForSeq2Seq" in model["05"]


def test_ids_are_unique_across_the_bank():
    ids = [q.id for q in engine.select()]
    assert len(ids) == len(set(ids))


def right_responses(q):
    if q.type == "single":
        return [q.answer, engine.LETTERS[q.answer]]
    if q.type == "multiple":
        return [sorted(q.answer), [engine.LETTERS[i] for i in q.answer]]
    if q.type == "numeric":
        return [q.answer, str(q.answer), q.answer + q.tolerance]
    return list(q.answer)


def test_every_right_answer_is_accepted():
    for q in engine.select():
        for response in right_responses(q) if q.type != "open" else ():
            assert engine.check(q, response).status == "correct", q.id


def test_listed_wrong_answers_are_judged_wrong_with_their_own_explanation():
    listed = [q for q in engine.select() if q.wrong]
    assert {q.lesson for q in listed} == {"01", "02", "03", "04", "05"}
    assert {q.type for q in listed} == {"numeric", "text"}
    assert all(q.wrong for q in engine.select() if q.type in ("numeric", "text")), "every one lists some"
    for q in listed:
        for wrong, why in q.wrong:
            result = engine.check(q, str(wrong))
            assert result.status == "incorrect" and result.feedback[-1] == why, (q.id, wrong)
            shown = "is not it: the answer is" if q.type == "numeric" else f"expected answer is `{q.answer[0]}`"
            assert shown in result.feedback[0], "the right answer is shown too"
    assert engine.check(engine.question("04-macro-f1"), "0.7").feedback[1:] == (), "0.7 is no listed mistake"


def test_choice_feedback_differs_within_a_question():
    for q in engine.select():
        feedback = [c.feedback for c in q.choices]
        assert len(feedback) == len(set(feedback)), q.id


def good_single():
    return {"id": "01-x", "type": "single", "prompt": "Which?", "answer": "b",
            "explanation": "Because.", "section": "S", "difficulty": 2,
            "choices": [{"text": "one", "feedback": "no"}, {"text": "two", "feedback": "yes"}]}


@pytest.mark.parametrize("change, drop, problem", [
    ({"answer": "c"}, (), "answer must name choices by letter (a, b)"),
    ({"type": "multiple", "answer": ["a", "a"]}, (), "distinct choice letters"),
    ({"type": "essay"}, (), "type must be one of"),
    ({"lesson": "01"}, (), "unknown key `lesson`"),  # a question's lesson is its file's
    ({"id": "02-x"}, (), "id must look like 01-"),
    ({"id": ["01-x"]}, (), "id must look like 01-"),
    ({"difficulty": 4}, (), "difficulty must be 1, 2 or 3"),
    ({"explanation": " "}, (), "`explanation` must be non-empty text"),
    ({"hint": "x"}, (), "unknown key `hint`"),
    ({"choices": [{"text": "one"}, {"text": "two", "feedback": "yes"}]}, (),
     "choice a needs exactly `text` and `feedback`"),
    ({"type": "numeric", "answer": 3}, ("choices",), "missing `tolerance`"),
    ({"type": "numeric", "answer": "3", "tolerance": 0}, ("choices",), "answer must be a number"),
    ({"type": "text", "answer": ["`'.'`"]}, ("choices",), "answer must be the accepted text"),
    ({"type": "open", "answer": ""}, ("choices",), "answer must be the model answer"),
    ({"wrong": [{"answer": "a", "explanation": "x"}]}, (), "unknown key `wrong`"),  # choices have feedback
    ({"type": "numeric", "answer": 3, "tolerance": 0, "wrong": [{"answer": 3.01, "explanation": "x"}]}, ("choices",),
     "wrong answer 1 (3.01) is too close to the right one"),
    ({"type": "numeric", "answer": 3, "tolerance": 0, "wrong": [{"answer": 4}]}, ("choices",),
     "wrong answer 1 needs exactly `answer` and `explanation`"),
    ({"type": "numeric", "answer": 3, "tolerance": 0, "wrong": [{"answer": "4", "explanation": "x"}]}, ("choices",),
     "wrong answer 1 must be a number"),
    ({"type": "text", "answer": ["test", "Test split"], "wrong": [{"answer": "test-split", "explanation": "x"}]},
     ("choices",), "wrong answer 1 ('test-split') is one of the accepted answers"),
    ({"type": "text", "answer": "a", "wrong": []}, ("choices",), "wrong must be a list of {answer, explanation}"),
    ({"group": "Warm up"}, (), "group must be a name in lowercase letters, digits and dashes"),
    ({"kind": "diagnosis"}, (), "kind must be one of recall, judgement, got 'diagnosis'"),
])
def test_validator_names_the_problem(change, drop, problem):
    raw = {key: value for key, value in {**good_single(), **change}.items() if key not in drop}
    assert engine.question_problems(good_single(), "01") == []
    found = engine.question_problems(raw, "01")
    assert any(problem in line for line in found), found


def write_lesson(path, *questions, title="A"):
    import yaml

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump({"title": title, "questions": list(questions)}))
    return path


def course(root, *names):
    """A course folder with the lessons `names` ("01_a"): a source notebook each, no bank yet."""
    for name in names:
        (root / "solutions" / name).mkdir(parents=True)
        (root / "solutions" / name / f"{name}.ipynb").write_text('{"cells": []}')
    return root


def test_bad_files_are_reported_with_the_fix(tmp_path):
    broken = tmp_path / "a" / "quiz.yaml"
    broken.parent.mkdir()
    broken.write_text("title: A\nquestions:\n  - id: 01-x\n    prompt: [unclosed\n")
    with pytest.raises(CourseError, match="quiz.yaml is not valid YAML.*fix the file"):
        engine.lesson_problems(broken, "01")
    broken.write_bytes(b"title: A\xff\nquestions: []\n")
    with pytest.raises(CourseError, match="quiz.yaml is not UTF-8 text.*save it as UTF-8"):
        engine.lesson_problems(broken, "01")
    bad = write_lesson(tmp_path / "b" / "quiz.yaml", {"id": "02-x", "type": "text"})
    with pytest.raises(CourseError, match=r"quiz.yaml: 02-x: missing `prompt` \(and \d+ more\): fix .*b/quiz.yaml"):
        engine.load_lesson(bad, "02", "02_b")
    assert engine.lesson_problems(write_lesson(tmp_path / "c" / "quiz.yaml", title=" "), "01") == [
        "quiz.yaml: the file must hold a mapping with `title` (text) and `questions` (a list)"]


def test_the_lesson_comes_from_the_folder_the_bank_is_in(tmp_path):
    root = course(tmp_path, "01_alpha", "02_beta", "03_gamma")
    write_lesson(root / "ftcourse" / "lessons" / "alpha" / "quiz.yaml", good_single(), title="Alpha")
    write_lesson(root / "ftcourse" / "lessons" / "beta" / "quiz.yaml", {**good_single(), "id": "02-y"}, title="Beta")
    bank = engine.load_bank(root)  # 03_gamma has no bank: no practice questions, no error
    assert [(x.code, x.name, x.title, [q.id for q in x.questions]) for x in bank.values()] == [
        ("01", "01_alpha", "Alpha", ["01-x"]), ("02", "02_beta", "Beta", ["02-y"])]
    assert bank["02"].questions[0].lesson == "02"
    renumbered = course(tmp_path / "renumbered", "05_alpha")  # renaming the notebook folder renumbers the lesson
    write_lesson(renumbered / "ftcourse" / "lessons" / "alpha" / "quiz.yaml", good_single())
    with pytest.raises(CourseError, match="quiz.yaml: 01-x: id must look like 05-some-name.*fix .*alpha/quiz.yaml"):
        engine.load_bank(renumbered)


def test_repeated_ids_and_lessons_are_refused(tmp_path):
    path = write_lesson(tmp_path / "a" / "quiz.yaml", good_single(), good_single())
    assert engine.lesson_problems(path, "01") == ["quiz.yaml: id 01-x is used 2 times"]
    listed = write_lesson(tmp_path / "b" / "quiz.yaml", *[{**good_single(), "id": ["01-x"]}] * 2)  # not text
    assert engine.lesson_problems(listed, "01") == ["quiz.yaml: ['01-x']: id must look like 01-some-name "
                                                    "(lowercase, digits, dashes)"] * 2
    root = course(tmp_path / "course", "01_a", "01_b")
    write_lesson(root / "ftcourse" / "lessons" / "a" / "quiz.yaml", good_single())
    write_lesson(root / "ftcourse" / "lessons" / "b" / "quiz.yaml", {**good_single(), "id": "01-y"})
    with pytest.raises(CourseError, match="two lessons numbered 01 have practice questions, 01_a and 01_b"):
        engine.load_bank(root)


# --- balance, groups and kinds -----------------------------------------------------------------------------

SINGLE_CHOICE = [q for q in engine.select() if q.type == "single"]
MULTIPLE_CHOICE = [q for q in engine.select() if q.type == "multiple"]


def test_right_answers_are_spread_over_the_positions_as_stored():
    assert {len(q.choices) for q in SINGLE_CHOICE} == {4}
    stored = Counter(q.answer for q in SINGLE_CHOICE)
    assert max(stored[p] for p in range(4)) - min(stored[p] for p in range(4)) <= 2, stored
    first = sum(0 in q.answer for q in MULTIPLE_CHOICE)
    assert first < len(MULTIPLE_CHOICE), "not every multiple-choice question has choice a right"


def test_the_quiz_shows_right_answers_evenly_over_the_positions():
    seeds = range(100)
    shown = Counter(engine.choice_order(q, seed).index(q.answer) for q in SINGLE_CHOICE for seed in seeds)
    expected = len(SINGLE_CHOICE) * len(seeds) / 4
    spread = 4 * math.sqrt(expected * 3 / 4)  # four standard deviations of a fair shuffle
    assert all(abs(shown[p] - expected) < spread for p in range(4)), shown
    for q in MULTIPLE_CHOICE:
        right = Counter(p for seed in seeds for p, i in enumerate(engine.choice_order(q, seed)) if i in q.answer)
        share = len(q.answer) / len(q.choices)
        assert all(abs(right[p] / len(seeds) - share) < 0.25 for p in range(len(q.choices))), (q.id, right)


def test_the_right_answer_is_not_the_longest_choice_more_often_than_chance():
    longest = sum(len(q.choices[q.answer].text) == max(len(c.text) for c in q.choices) for q in SINGLE_CHOICE)
    chance = sum(1 / len(q.choices) for q in SINGLE_CHOICE)
    noise = math.sqrt(sum(1 / len(q.choices) * (1 - 1 / len(q.choices)) for q in SINGLE_CHOICE))
    assert longest <= chance + 2 * noise, f"the right answer is the longest in {longest} of {len(SINGLE_CHOICE)}"


def test_grouped_questions_are_asked_together_in_the_bank_s_order():
    groups = {}
    for q in engine.select():
        if q.group:
            groups.setdefault((q.lesson, q.group), []).append(q.id)
    assert groups == {("01", "warmup"): ["01-warmup-ratio", "01-warmup-count"],
                      ("03", "lora-scaling"): ["03-scaling", "03-rslora"]}
    for seed in range(40):
        for (code, _), members in groups.items():
            ids = [q.id for q in engine.Quiz(code, seed=seed).questions]
            at = ids.index(members[0])
            assert ids[at:at + len(members)] == members, (seed, ids)
            some = [q.id for q in engine.Quiz(code, n=3, seed=seed).questions]
            assert len(some) <= 3 and len({m in some for m in members}) == 1, "a group whole or not at all"
    first = [q.id for q in engine.Quiz("03", seed=0, first={"03-rslora"}).questions]
    assert first[:2] == ["03-scaling", "03-rslora"], "asking one first brings its group along"


def test_a_group_needs_two_questions(tmp_path):
    path = write_lesson(tmp_path / "a" / "quiz.yaml", {**good_single(), "group": "pair"})
    assert engine.lesson_problems(path, "01") == ["quiz.yaml: group pair has one question: a group needs two or more"]
    both = write_lesson(tmp_path / "b" / "quiz.yaml", {**good_single(), "group": "pair"},
                        {**good_single(), "id": "01-y", "group": "pair"})
    assert engine.lesson_problems(both, "01") == []


@pytest.mark.parametrize("code", ["01", "02", "03", "04", "05"])
def test_each_lesson_has_twelve_judgement_questions(code):
    """Diagnosis and judgement (reading a curve, choosing a setting or a metric, spotting leakage),
    not only recall."""
    judged = [q for q in engine.lesson(code).questions if q.kind == "judgement"]
    assert len(judged) >= 12, [q.id for q in judged]
    assert len({q.type for q in judged}) >= 2
    assert len(judged) < len(engine.lesson(code).questions), "recall has its place too"
