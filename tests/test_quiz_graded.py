"""Graded practice: salted hashes check answers without holding them."""
import pytest

from ftcourse.quiz import graded
from ftcourse.shared.errors import CourseError
from ftcourse.student.checks import CheckFailed

IDS = ["01-eval-strategy", "02-stratify-fix", "03-minilm-qv", "01-processing-class"]


@pytest.fixture(scope="module")
def digests():
    return graded.reference_digests(IDS, salt="pepper")


def test_right_answers_in_any_accepted_form_pass(digests):
    graded.expect_answers({"01-eval-strategy": "A", "02-stratify-fix": ["b", "a", "a"], "03-minilm-qv": "74,498",
                           "01-processing-class": "`Processing_Class`"}, digests, "pepper", "answers")
    graded.expect_answers({"01-eval-strategy": 0, "02-stratify-fix": [0, 1], "03-minilm-qv": 74498.0,
                           "01-processing-class": "processing_class=tokenizer"}, digests, "pepper", "answers")


def test_wrong_missing_and_malformed_answers_are_named_not_solved(digests):
    with pytest.raises(CheckFailed, match="found none for 01-processing-class, 02-stratify-fix, 03-minilm-qv") as missing:
        graded.expect_answers({"01-eval-strategy": "a"}, digests, "pepper", "answers")
    with pytest.raises(CheckFailed, match=r"wrong answers to 01-eval-strategy, 02-stratify-fix, 03-minilm-qv \(") as wrong:
        graded.expect_answers({"01-eval-strategy": "b", "02-stratify-fix": ["a"], "03-minilm-qv": "many",
                               "01-processing-class": "processing_class"}, digests, "pepper", "answers")
    for message in (str(missing.value), str(wrong.value)):
        assert "74498" not in message and "eval_strategy" not in message


def test_digests_depend_on_the_salt_and_hide_the_answer(digests):
    other = graded.reference_digests(IDS, salt="salt")
    assert all(set(digests[q]).isdisjoint(other[q]) for q in IDS)
    assert all(len(d) == 64 for ds in digests.values() for d in ds)


def test_range_answers_cannot_be_hashed():
    with pytest.raises(ValueError, match="range of numbers"):
        graded.reference_digests(["04-macro-f1"], salt="s")
    with pytest.raises(CourseError, match="answer with one choice"):
        graded.digest("01-eval-strategy", "z", "s")
