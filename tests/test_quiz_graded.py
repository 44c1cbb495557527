"""The graded quiz (lesson 06): a key that a guessing strategy cannot exploit, kept out of the package
and out of the student's notebook, and visible checks that judge the form of an answer, never whether it
is right. Nothing is executed: the key is parsed from the hidden tests of the instructor's source."""
import inspect
import json
import math
import re
from collections import Counter

import pytest

from conftest import ROOT
from ftcourse.lessons.practice_quiz import checks
from ftcourse.quiz import engine
from ftcourse.shared.catalogue import lesson
from ftcourse.student.checks import CheckFailed
from graded_quiz import open_questions, parts, questions, right_answers

CHOICE_FORMS = ("single", "multiple")
SINGLES = [q for q in questions() if q.form.startswith("single")]


def kind(q) -> str:
    return q.form.split()[0]


def spaced(text: str) -> str:
    return " ".join(text.split())


def model_answer_lines(text: str) -> list:
    """The first line and every long line of a model answer, without Markdown list marks."""
    lines = [re.sub(r"^\s*(?:[-*]|\d+\.)\s+", "", line).strip() for line in text.strip().splitlines()]
    return [lines[0]] + [line for line in lines[1:] if len(line) >= 40]


def number_pattern(value) -> re.Pattern:
    """A whole number as a number of its own, however its thousands are separated: 74498, 74,498, 74_498."""
    digits = str(int(value))
    groups = [digits[max(0, i - 3):i] for i in range(len(digits), 0, -3)][::-1]
    spelled = "|".join(re.escape(sep.join(groups)) for sep in ("", ",", "_", " ", "\u202f"))
    return re.compile(rf"(?<![\w.,])(?:{spelled})(?![\w]|[.,]\d)")


def key_patterns(q) -> list:
    """How a key entry could be written down in a file: the id as a quoted key or a YAML key, the
    practice bank's id (NN-id), and a number of three digits or more."""
    qid = re.escape(q.id)
    found = [re.compile(rf"\b\d\d-{qid}\b"), re.compile(rf"['\"`]{qid}['\"`]"), re.compile(rf"(?m)^\s*-?\s*{qid}\s*:")]
    if q.form == "number" and float(q.answer).is_integer() and abs(q.answer) >= 100:
        found.append(number_pattern(q.answer))
    return found


# --- the key and the questions agree ------------------------------------------------------------------

def test_the_notebook_parses_into_parts_with_a_key_for_every_question():
    assert [part.name for part in parts()] == ["answers_01", "answers_02", "answers_03", "answers_04", "answers_05",
                                               "answers_all"]
    assert len(questions()) == 19 and len({q.id for q in questions()}) == 19
    assert len(open_questions()) == 5
    for q in questions():
        if kind(q) in CHOICE_FORMS:
            last = checks.FORM.match(q.form).group(2)
            assert list(q.choices) == list(checks.LETTERS[:checks.LETTERS.index(last) + 1]), q.id
            assert checks.canonical(q.answer, q.form) is not None, q.id
        else:
            assert not q.choices, q.id
        assert checks.canonical(right_answers()[q.part][q.id], q.form) is not None, q.id


@pytest.mark.parametrize("part", parts(), ids=lambda part: part.name)
def test_the_keys_own_answers_pass(part):
    checks.expect_key(right_answers()[part.name], part.key, part.forms, part.name)
    for q in part.questions:  # every accepted text
        for accepted in q.answer if q.form == "text" else ():
            checks.expect_key({**right_answers()[part.name], q.id: accepted}, part.key, part.forms, part.name)


# --- (a) where the right answers are ------------------------------------------------------------------

def test_right_letters_are_spread_over_the_choices():
    n = len(SINGLES)
    assert n >= 4
    counts = Counter(q.answer for q in SINGLES)
    assert max(counts.values()) <= math.ceil(n / 4) + 1, counts


def test_the_right_answer_is_the_longest_choice_at_most_half_the_time():
    longest = [q.id for q in SINGLES if len(q.choices[q.answer]) >= max(map(len, q.choices.values()))]
    assert len(longest) <= len(SINGLES) / 2, f"the right choice is the longest in {longest}"


# --- (b) one letter for everything ----------------------------------------------------------------------

CHOICE_PARTS = [part for part in parts() if any(kind(q) in CHOICE_FORMS for q in part.questions)]


@pytest.mark.parametrize("letter, part", [
    pytest.param(letter, part, id=f"{letter}-{part.name}") for letter in "abcd" for part in CHOICE_PARTS])
def test_the_same_letter_for_every_choice_question_fails_each_part(letter, part):
    answers = dict(right_answers()[part.name])
    for q in part.questions:
        if kind(q) in CHOICE_FORMS:
            answers[q.id] = letter if kind(q) == "single" else [letter]
    checks.expect_forms(answers, part.forms, part.name)  # well formed, so only the key can fail it
    with pytest.raises(CheckFailed, match=f"^{part.name}: expected the right answer to every question; "
                                          "found wrong answers to ") as failed:
        checks.expect_key(answers, part.key, part.forms, part.name)
    named = str(failed.value).split("found wrong answers to ")[1].split(", ")
    assert set(named) <= {q.id for q in part.questions if kind(q) in CHOICE_FORMS}, "numbers and texts were right"


def test_every_part_but_the_numbers_has_a_choice_question():
    assert [part.name for part in CHOICE_PARTS] == ["answers_01", "answers_02", "answers_03", "answers_04",
                                                    "answers_05"]


# --- (c) the key stays out of the package -----------------------------------------------------------------

def package_files() -> dict:
    """Path -> text of every text file of the `ftcourse` package (what students install)."""
    found = {}
    for path in sorted((ROOT / "ftcourse").rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            try:
                found[path] = path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                continue
    return found


def test_no_graded_question_or_key_is_in_the_package():
    files = package_files()
    assert any(path.name == "quiz.yaml" for path in files) and any(path.name == "checks.py" for path in files)
    spaced_files = {path: spaced(text) for path, text in files.items()}
    needles = [q.first_line for q in questions()] + [o.prompt.splitlines()[0] for o in open_questions()]
    needles += [line for o in open_questions() for line in model_answer_lines(o.model_answer)]
    found = [f"{path.relative_to(ROOT)}: {needle!r}" for needle in needles for path, text in spaced_files.items()
             if spaced(needle) in text]
    found += [f"{path.relative_to(ROOT)}: {q.id} as {pattern.pattern!r}" for q in questions()
              for pattern in key_patterns(q) for path, text in files.items() if pattern.search(text)]
    assert found == []


def test_no_graded_question_is_in_the_practice_bank():
    practice = engine.select()
    graded_ids = {q.id for q in questions()}
    assert not [q.id for q in practice if q.id[3:] in graded_ids], "moved to the graded quiz"
    prompts = [spaced(q.first_line) for q in questions()] + [spaced(o.prompt) for o in open_questions()]
    assert not [q.id for q in practice for prompt in prompts if prompt in spaced(q.prompt)]
    open_prompts = {spaced(o.prompt) for o in open_questions()}
    assert not [q.id for q in practice if q.type == "open" and spaced(q.prompt) in open_prompts]


def test_the_key_patterns_find_what_they_look_for():
    minilm = next(q for q in questions() if q.id == "minilm-qv")
    for text in ("answer: 74498", "trains 74,498 of", "74_498.", "'minilm-qv': 1", "  minilm-qv: 74498",
                 "- id: 03-minilm-qv"):
        assert any(p.search(text) for p in key_patterns(minilm)), text
    for text in ("1274498", "74498.5", "0.74498", "hash 07eced74498cec", "minilm-qv-like"):
        assert not any(p.search(text) for p in key_patterns(minilm)), text


# --- (d) the visible checks judge the form only -------------------------------------------------------------

WRONG_FORMS = {
    "single": ["e", ["a"], 1, "", None, "ab"],
    "multiple": ["a", ["a", "z"], [], "a,c", None, [1]],
    "number": ["many", "", None, True, "0,5", "20,41", [375]],
    "text": [3, "  ", None, ["processing_class"], "..."],
}


def test_expect_forms_cannot_know_the_key():
    assert list(inspect.signature(checks.expect_forms).parameters) == ["answers", "forms", "name"]


@pytest.mark.parametrize("part", parts(), ids=lambda part: part.name)
def test_expect_forms_accepts_every_right_answer_in_every_spelling(part):
    checks.expect_forms(right_answers()[part.name], part.forms, part.name)
    for q in part.questions:
        if kind(q) == "single":
            spellings = [q.answer.upper(), f" {q.answer} "]
        elif kind(q) == "multiple":
            spellings = [tuple(reversed(q.answer)), [a.upper() for a in q.answer], set(q.answer)]
        elif q.form == "number":
            spellings = [str(q.answer), f"{q.answer:,}", float(q.answer), f" {q.answer} "]
        else:
            spellings = list(q.answer) + [f"`{q.answer[0]}`", q.answer[0].upper()]
        for spelling in spellings:
            answers = {**right_answers()[part.name], q.id: spelling}
            checks.expect_forms(answers, part.forms, part.name)
            checks.expect_key(answers, part.key, part.forms, part.name)


@pytest.mark.parametrize("q", questions(), ids=lambda q: q.id)
def test_expect_forms_rejects_wrong_forms_naming_the_question(q):
    describe = checks.describe_form(q.form)
    for bad in WRONG_FORMS[kind(q) if kind(q) in CHOICE_FORMS else q.form]:
        answers = {**right_answers()[q.part], q.id: bad}
        with pytest.raises(CheckFailed) as failed:
            checks.expect_forms(answers, parts_by_name()[q.part].forms, q.part)
        message = str(failed.value)
        assert message == f"{q.part}: answers not in the asked form: {q.id} (expected {describe})", bad
        assert not re.search(r"\b(right|correct|wrong)\b", message)
        assert_reveals_nothing(message, q)


def parts_by_name() -> dict:
    return {part.name: part for part in parts()}


def assert_reveals_nothing(message: str, q) -> None:
    """The message holds no key entry (a letter can't be checked: any message holds letters)."""
    for pattern in key_patterns(q)[3:]:  # a number of the key
        assert not pattern.search(message), message
    if q.form == "text":
        assert not any(checks.normalise(a) in checks.normalise(message) for a in q.answer), message


def wrong_but_well_formed(q):
    if kind(q) == "single":
        return next(letter for letter in q.choices if letter != q.answer)
    if kind(q) == "multiple":
        return [next(letter for letter in q.choices if letter not in q.answer)]
    return q.answer + 1 if q.form == "number" else "some_other_name"


@pytest.mark.parametrize("q", questions(), ids=lambda q: q.id)
def test_a_wrong_but_well_formed_answer_passes_the_visible_check(q):
    part = parts_by_name()[q.part]
    answers = {**right_answers()[q.part], q.id: wrong_but_well_formed(q)}
    checks.expect_forms(answers, part.forms, part.name)  # says nothing about being right
    with pytest.raises(CheckFailed) as failed:
        checks.expect_key(answers, part.key, part.forms, part.name)
    assert str(failed.value) == (f"{part.name}: expected the right answer to every question; found wrong answers "
                                 f"to {q.id}")
    assert_reveals_nothing(str(failed.value), q)


def test_missing_and_unknown_answers_are_named():
    part = parts()[0]
    answers = dict(right_answers()[part.name])
    first, *rest = part.forms
    del answers[first]
    with pytest.raises(CheckFailed, match=f"^{part.name}: expected an answer for every question; found none for "
                                          f"{first}$"):
        checks.expect_forms(answers, part.forms, part.name)
    with pytest.raises(CheckFailed, match=f"expected only the question ids of this part; found 01-{first}$"):
        checks.expect_forms({**answers, f"01-{first}": "x"}, {q: part.forms[q] for q in rest}, part.name)
    with pytest.raises(CheckFailed, match="expected a dict of question id -> answer; found list"):
        checks.expect_forms(list(answers.values()), part.forms, part.name)


# --- (e) the student's notebook ----------------------------------------------------------------------------

def test_the_student_notebook_holds_no_hidden_tests_and_no_key():
    path = lesson("06").student
    raw = path.read_text(encoding="utf-8")  # outputs and metadata included
    student = json.loads(raw)
    sources = ["".join(cell["source"]) for cell in student["cells"]]
    text = "\n".join(sources)
    assert all(q.first_line in text for q in questions()), "the student notebook asks the graded questions"
    assert raw.count("quiz_checks.expect_forms(") == len(parts())
    for marker in ("HIDDEN TESTS", "expect_key", "BEGIN SOLUTION", "END SOLUTION", "Model answer"):
        assert marker not in raw, marker
    for part in parts():
        assert repr(part.key) not in raw and json.dumps(part.key) not in raw
    for q in questions():
        for pattern in key_patterns(q)[3:]:  # numbers; the quoted ids are in the visible FORMS
            assert not pattern.search(raw), (q.id, pattern.pattern)
        value = q.answer[0] if q.form == "text" else q.answer
        for entry in (f"{q.id!r}: {value!r}", f'"{q.id}": {json.dumps(value)}', f"{q.id!r}: {q.answer!r}"):
            assert entry not in text, entry
        if q.form == "text":
            assert not any(re.search(rf"(?<!\w){re.escape(a)}(?!\w)", raw) for a in q.answer), q.id
    assert not [line for o in open_questions() for line in model_answer_lines(o.model_answer)
                if spaced(line) in spaced(text) or line in raw]
    answer_cells = [s for s, cell in zip(sources, student["cells"])
                    if cell["metadata"].get("nbgrader", {}).get("solution")]
    assert len(answer_cells) == len(parts()) + len(open_questions())
    assert all("raise NotImplementedError()" in s or s.strip() == "YOUR ANSWER HERE" for s in answer_cells)
