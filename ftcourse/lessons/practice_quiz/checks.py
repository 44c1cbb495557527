"""Checks of the graded quiz (lesson 06).

The visible checks look at the form of each answer only (a letter among the choices, a list of
letters, a number, some text): they can confirm an answer is well formed, never that it is right,
so trying answers against them teaches nothing about the key. The key exists only in the hidden
tests of the instructor's source, which run in the grader's trusted process.
"""
import numbers
import re
import string

from ...student.checks import CheckFailed

LETTERS = string.ascii_lowercase
FORM = re.compile(r"^(single|multiple) a-([a-z])$|^(number|text)$")
_IGNORED = str.maketrans({c: " " for c in string.punctuation.replace("_", "") + "“”‘’«»`"})
# Commas only as thousands separators ("1,234"): "0,5" or "12,34" are refused, not read as 5 or 1234.
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")


def _letter(value, last: str):
    if isinstance(value, str) and len(value.strip()) == 1 and "a" <= value.strip().lower() <= last:
        return value.strip().lower()
    return None


def _number(value):
    if isinstance(value, bool):
        return None
    if isinstance(value, numbers.Real):
        return float(value)
    if isinstance(value, str):
        cleaned = value.strip().replace("_", "").replace(" ", "")
        if "," in cleaned:
            if not _THOUSANDS.match(cleaned):
                return None
            cleaned = cleaned.replace(",", "")
        try:
            return float(cleaned)
        except ValueError:
            return None
    return None


def normalise(text: str) -> str:
    return " ".join(str(text).casefold().translate(_IGNORED).split())


def canonical(value, form: str):
    """The answer in one comparable form, or None when it is not of `form`."""
    match = FORM.match(form)
    if not match:
        raise ValueError(f"unknown answer form {form!r}")
    if match.group(1) == "single":
        return _letter(value, match.group(2))
    if match.group(1) == "multiple":
        if isinstance(value, (str, bytes, dict)) or not hasattr(value, "__iter__"):
            return None
        letters = [_letter(v, match.group(2)) for v in value]
        return None if not letters or None in letters else "".join(sorted(set(letters)))
    if match.group(3) == "number":
        return _number(value)
    return normalise(value) if isinstance(value, str) and normalise(value) else None


def describe_form(form: str) -> str:
    match = FORM.match(form)
    if match.group(1) == "single":
        return f"one letter from a to {match.group(2)}"
    if match.group(1) == "multiple":
        return f"a list of letters from a to {match.group(2)}, e.g. ['a', 'c']"
    return "a number, e.g. 42" if match.group(3) == "number" else "a short text"


def expect_forms(answers, forms: dict, name: str) -> None:
    """Every question answered, each in its form. Says nothing about being right."""
    if not isinstance(answers, dict):
        raise CheckFailed(f"{name}: expected a dict of question id -> answer; found {type(answers).__name__}")
    missing = [qid for qid in forms if qid not in answers]
    if missing:
        raise CheckFailed(f"{name}: expected an answer for every question; found none for {', '.join(missing)}")
    unknown = [qid for qid in answers if qid not in forms]
    if unknown:
        raise CheckFailed(f"{name}: expected only the question ids of this part; found {', '.join(map(str, unknown))}")
    bad = [f"{qid} (expected {describe_form(form)})" for qid, form in forms.items()
           if canonical(answers[qid], form) is None]
    if bad:
        raise CheckFailed(f"{name}: answers not in the asked form: {'; '.join(bad)}")


def expect_key(answers, key: dict, forms: dict, name: str) -> None:
    """Every answer right; names the questions answered wrongly, never the right answers.
    A key entry is a letter, letters, a number or a list of accepted texts."""
    expect_forms(answers, forms, name)
    wrong = []
    for qid, form in forms.items():
        given = canonical(answers[qid], form)
        accepted = key[qid] if form == "text" and isinstance(key[qid], list) else [key[qid]]
        if given not in [canonical(a, form) for a in accepted]:
            wrong.append(qid)
    if wrong:
        raise CheckFailed(f"{name}: expected the right answer to every question; found wrong answers to "
                          + ", ".join(wrong))
