"""The question bank: every file is valid, the content is complete, and the validator catches mistakes."""
import pytest

from ftcourse.quiz import engine
from ftcourse.shared.errors import CourseError

FILES = sorted(engine.BANK.glob("*.yaml"))
AUTOMATIC = ("single", "multiple", "numeric", "text")


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_bank_file_is_valid(path):
    assert engine.lesson_problems(path) == []


def test_bank_has_one_file_per_lesson():
    assert [p.name for p in FILES] == ["01_trainer_api.yaml", "02_custom_datasets.yaml", "03_lora_peft.yaml",
                                       "04_evaluation.yaml", "05_practice.yaml"]
    assert list(engine.load_bank()) == ["01", "02", "03", "04", "05"]


@pytest.mark.parametrize("code", ["01", "02", "03", "04"])
def test_each_lesson_has_ten_automatic_questions(code):
    automatic = [q for q in engine.lesson(code).questions if q.type in AUTOMATIC]
    assert len(automatic) >= 10
    assert len({q.type for q in automatic}) >= 3, "mix the question types"


def test_practice_lesson_has_the_five_source_questions_as_open_ones():
    practice = engine.lesson("05").questions
    assert [q.id for q in practice] == ["05-training-arguments", "05-batched-map", "05-lora-rank",
                                        "05-summarization-metric", "05-peft-advantages"]
    assert all(q.type == "open" for q in practice)
    assert "ROUGE" in engine.question("05-summarization-metric").answer


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


def test_choice_feedback_differs_within_a_question():
    for q in engine.select():
        feedback = [c.feedback for c in q.choices]
        assert len(feedback) == len(set(feedback)), q.id


def good_single():
    return {"id": "01-x", "lesson": "01", "type": "single", "prompt": "Which?", "answer": "b",
            "explanation": "Because.", "section": "S", "difficulty": 2,
            "choices": [{"text": "one", "feedback": "no"}, {"text": "two", "feedback": "yes"}]}


@pytest.mark.parametrize("change, drop, problem", [
    ({"answer": "c"}, (), "answer must name choices by letter (a, b)"),
    ({"type": "multiple", "answer": ["a", "a"]}, (), "distinct choice letters"),
    ({"type": "essay"}, (), "type must be one of"),
    ({"lesson": 1}, (), 'lesson must be "01"'),
    ({"id": "02-x"}, (), "id must look like 01-"),
    ({"difficulty": 4}, (), "difficulty must be 1, 2 or 3"),
    ({"explanation": " "}, (), "`explanation` must be non-empty text"),
    ({"hint": "x"}, (), "unknown key `hint`"),
    ({"choices": [{"text": "one"}, {"text": "two", "feedback": "yes"}]}, (),
     "choice a needs exactly `text` and `feedback`"),
    ({"type": "numeric", "answer": 3}, ("choices",), "missing `tolerance`"),
    ({"type": "numeric", "answer": "3", "tolerance": 0}, ("choices",), "answer must be a number"),
    ({"type": "text", "answer": ["`'.'`"]}, ("choices",), "answer must be the accepted text"),
    ({"type": "open", "answer": ""}, ("choices",), "answer must be the model answer"),
])
def test_validator_names_the_problem(change, drop, problem):
    raw = {key: value for key, value in {**good_single(), **change}.items() if key not in drop}
    assert engine.question_problems(good_single(), "01") == []
    found = engine.question_problems(raw, "01")
    assert any(problem in line for line in found), found


def write_lesson(path, *questions):
    import yaml

    path.write_text(yaml.safe_dump({"title": path.stem, "questions": list(questions)}))
    return path


def test_bad_files_are_reported_with_the_fix(tmp_path):
    (tmp_path / "01_a.yaml").write_text("title: A\nquestions:\n  - id: 01-x\n    prompt: [unclosed\n")
    with pytest.raises(CourseError, match="01_a.yaml is not valid YAML.*fix the file"):
        engine.lesson_problems(tmp_path / "01_a.yaml")
    write_lesson(tmp_path / "02_b.yaml", {"id": "02-x", "type": "text"})
    with pytest.raises(CourseError, match="02_b.yaml: 02-x: missing `lesson`.*fix .*02_b.yaml"):
        engine.load_lesson(tmp_path / "02_b.yaml")
    assert engine.lesson_problems(tmp_path / "Lesson.yaml") == [
        "Lesson.yaml: the file name must look like 01_some_name.yaml"]


def test_repeated_ids_and_lessons_are_refused(tmp_path):
    write_lesson(tmp_path / "01_a.yaml", good_single(), good_single())
    assert engine.lesson_problems(tmp_path / "01_a.yaml") == ["01_a.yaml: id 01-x is used 2 times"]
    write_lesson(tmp_path / "01_a.yaml", good_single())
    write_lesson(tmp_path / "01_b.yaml", {**good_single(), "id": "01-y"})
    with pytest.raises(CourseError, match="two bank files for lesson 01"):
        engine.load_bank(tmp_path)
