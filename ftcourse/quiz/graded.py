"""Graded practice: answers compared through salted hashes, so a student notebook holds no answer.

The instructor's source stores, per question, sha256(salt, question id, canonical answer). The
student's answer is put in the same canonical form (a letter for one choice, sorted letters for
several, the number, normalised text) and hashed; only the digests are compared.
"""
import hashlib

from ..student.checks import CheckFailed
from . import engine


def canonical(q: engine.Question, response) -> str:
    """One string per distinct answer; raises CourseError, saying the expected form, for bad input."""
    if q.type == "single":
        return engine.LETTERS[engine._choice_index(q, response)]
    if q.type == "multiple":
        if isinstance(response, (str, bytes)) or not hasattr(response, "__iter__"):
            raise engine._wrong_form(q, "a list of choices, e.g. ['a', 'c']", response)
        return "".join(sorted({engine.LETTERS[engine._choice_index(q, r)] for r in response}))
    if q.type == "numeric":
        number = engine.parse_number(response) if isinstance(response, str) else response
        if not engine._is_number(number):
            raise engine._wrong_form(q, "a number, e.g. 42", response)
        return str(int(number)) if float(number).is_integer() else repr(float(number))
    if q.type == "text":
        return engine.normalise(str(response))
    raise engine._wrong_form(q, "an automatically checked question (not an open one)", response)


def digest(question_id: str, response, salt: str) -> str:
    q = engine.question(question_id)
    return hashlib.sha256(f"{salt}\n{q.id}\n{canonical(q, response)}".encode()).hexdigest()


def reference_digests(question_ids, salt: str) -> dict:
    """Instructors: question id -> the digests of the bank's accepted answers (text has several)."""
    def answers(q):
        if q.type == "single":
            return [engine.LETTERS[q.answer]]
        if q.type == "multiple":
            return [[engine.LETTERS[i] for i in sorted(q.answer)]]
        if q.type == "text":
            return list(q.answer)
        if q.tolerance:
            raise ValueError(f"{q.id} accepts a range of numbers: a hash can only check exact answers")
        return [q.answer]

    return {qid: sorted({digest(qid, a, salt) for a in answers(engine.question(qid))}) for qid in question_ids}


def expect_answers(answers, digests: dict, salt: str, name: str) -> None:
    """Fail, naming the questions answered wrongly or not at all, but never the right answers."""
    if not isinstance(answers, dict):
        raise CheckFailed(f"{name}: expected a dict of question id -> answer; found {type(answers).__name__}")
    missing = sorted(set(digests) - set(answers))
    if missing:
        raise CheckFailed(f"{name}: expected an answer for every question; found none for {', '.join(missing)}")
    wrong = []
    for qid, expected in digests.items():
        try:
            if digest(qid, answers[qid], salt) not in expected:
                wrong.append(qid)
        except Exception as err:  # noqa: BLE001 - a malformed answer is a wrong answer, with its reason
            wrong.append(f"{qid} ({err})")
    if wrong:
        raise CheckFailed(f"{name}: expected the right answer to every question; found wrong answers to "
                          + ", ".join(wrong))
