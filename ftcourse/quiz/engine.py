"""The quiz engine: the question bank, answer checking, shuffling and scoring.

Nothing here imports Jupyter, so the notebook widget and the terminal quiz judge answers with the
same code. Questions live in YAML, one file per lesson, in the lesson's folder
(`ftcourse/lessons/<slug>/quiz.yaml`, found through the course catalogue), so instructors edit
questions without touching Python; `lesson_problems` says what is wrong with a file. These are
practice questions: the graded quiz's questions and keys are not here (they live in the
instructor's source of the graded lesson only).
"""
import dataclasses
import math
import numbers
import random
import re
import string
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from ..shared import catalogue
from ..shared.errors import CourseError
from . import templates

TYPES = ("single", "multiple", "numeric", "text", "open")
LETTERS = string.ascii_lowercase
REQUIRED = ("id", "type", "prompt", "answer", "explanation", "section", "difficulty")
EXTRA = {"single": ("choices",), "multiple": ("choices",), "numeric": ("tolerance",), "text": (), "open": ()}
# Keys a question may have: common wrong answers, each with its own explanation (numeric and text).
# `group` names questions that only make sense together: a quiz asks them together, in the bank's order.
# `kind: judgement` marks a question of diagnosis and judgement (reading a curve, choosing a setting or
# a metric, spotting leakage) rather than recall.
COMMON_OPTIONAL = ("group", "kind")
KINDS = ("recall", "judgement")
OPTIONAL = {kind: extra + COMMON_OPTIONAL for kind, extra in
            {"single": (), "multiple": (), "numeric": ("wrong",), "text": ("wrong",), "open": ()}.items()}
# A numeric question drawn afresh on each attempt names its template (ftcourse/quiz/templates.py)
# instead of giving an answer; its texts say {{name}} or {{name:,}} where the drawn values go, and
# `mistakes` explains, by the template's names, the wrong numbers of common slips.
TEMPLATED = ("id", "type", "template", "prompt", "explanation", "section", "difficulty")
TEMPLATE_OPTIONAL = ("tolerance", "mistakes") + COMMON_OPTIONAL
PLACEHOLDER = re.compile(r"\{\{(\w+)(?::([^}]*))?\}\}")
QUESTION_ID = re.compile(r"^\d\d-[a-z0-9]+(-[a-z0-9]+)*$")
GROUP = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
# Text answers compare without case, punctuation (underscores stay: they are part of names) or quotes.
_IGNORED = str.maketrans({c: " " for c in string.punctuation.replace("_", "") + "“”‘’«»"})
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")


@dataclass(frozen=True)
class Choice:
    text: str
    feedback: str  # why this choice is right or wrong, shown when it is picked


@dataclass(frozen=True)
class Question:
    id: str
    lesson: str
    type: str
    prompt: str  # Markdown
    answer: object  # choice index, frozenset of indices, number, tuple of accepted texts, or model answer
    explanation: str
    section: str
    difficulty: int
    choices: tuple = ()
    tolerance: float = 0.0
    wrong: tuple = ()  # (a common wrong answer, why someone gives it and what is wrong with it) pairs
    template: str = ""  # for fresh numbers: the template's name; the texts below are then drawn from `source`
    source: tuple = ()  # (prompt, explanation, ((mistake name, explanation), ...)) with {{placeholders}}
    group: str = ""  # questions of one group are asked together
    kind: str = "recall"  # or "judgement"


@dataclass(frozen=True)
class Lesson:
    code: str  # "01"
    name: str  # "01_trainer_api", the file name and the lesson's notebook name
    title: str
    questions: tuple


@dataclass(frozen=True)
class Result:
    question: Question
    status: str  # correct, partial, incorrect, unknown ("don't know"), or self-assessed (open, not assessed yet)
    score: float  # in [0, 1]
    feedback: tuple  # Markdown lines about this response, shown before the question's explanation
    response: object = None  # the answer as recorded (JSON): choice letters in the bank's order, text, or None

    @property
    def explanation(self) -> str:
        return self.question.explanation


# --- the bank ---------------------------------------------------------------------------------------

def _is_text(value) -> bool:
    return isinstance(value, str) and value.strip() != ""


def _is_number(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _choice_problems(raw) -> list:
    choices = raw["choices"]
    if not isinstance(choices, list) or len(choices) < 2:
        return ["choices must be a list of at least 2"]
    bad = [i for i, c in enumerate(choices)
           if not isinstance(c, dict) or set(c) != {"text", "feedback"} or not all(map(_is_text, c.values()))]
    return [f"choice {LETTERS[i]} needs exactly `text` and `feedback`, both text" for i in bad]


def _answer_problems(raw) -> list:
    """Problems with `answer` (and `choices`, `tolerance`) for the question's type."""
    kind, answer = raw["type"], raw["answer"]
    if kind in ("single", "multiple"):
        found = _choice_problems(raw)
        valid = LETTERS[:len(raw["choices"])] if isinstance(raw["choices"], list) else ""
        picked = answer if kind == "multiple" else [answer]
        if not isinstance(picked, list) or not picked or len(set(map(str, picked))) != len(picked):
            return found + ["answer must be a non-empty list of distinct choice letters"]
        if not all(isinstance(a, str) and len(a) == 1 and a in valid for a in picked):
            return found + [f"answer must name choices by letter ({', '.join(valid)}), got {answer!r}"]
        return found
    if kind == "numeric":
        found = [] if _is_number(answer) else ["answer must be a number"]
        return found + ([] if _is_number(raw["tolerance"]) and raw["tolerance"] >= 0 else
                        ["tolerance must be a number >= 0"])
    if kind == "text":
        accepted = answer if isinstance(answer, list) else [answer]
        ok = accepted and all(isinstance(a, str) and normalise(a) for a in accepted)
        return [] if ok else ["answer must be the accepted text, or a list of them"]
    return [] if _is_text(answer) else ["answer must be the model answer (text)"]


def _wrong_problems(raw) -> list:
    """Problems with `wrong`: a list of {answer, explanation}, each answer of the question's form and
    not one that the question accepts as right."""
    if "wrong" not in raw:
        return []
    listed = raw["wrong"]
    if not isinstance(listed, list) or not listed:
        return ["wrong must be a list of {answer, explanation}"]
    found = []
    for n, item in enumerate(listed, 1):
        if not isinstance(item, dict) or set(item) != {"answer", "explanation"} or not _is_text(item["explanation"]):
            found.append(f"wrong answer {n} needs exactly `answer` and `explanation` (text)")
            continue
        value = item["answer"]
        if raw["type"] == "numeric":
            if not _is_number(value):
                found.append(f"wrong answer {n} must be a number")
            elif _is_number(raw["answer"]) and _is_number(raw["tolerance"]) and \
                    abs(value - raw["answer"]) <= raw["tolerance"] + wrong_window(value, raw["tolerance"]):
                found.append(f"wrong answer {n} ({value}) is too close to the right one")
        elif not isinstance(value, str) or not normalise(value):
            found.append(f"wrong answer {n} must be text")
        elif normalise(value) in {normalise(a) for a in (raw["answer"] if isinstance(raw["answer"], list)
                                                          else [raw["answer"]]) if isinstance(a, str)}:
            found.append(f"wrong answer {n} ({value!r}) is one of the accepted answers")
    return found


def question_problems(raw, lesson: str) -> list:
    """What is wrong with one question as written in the bank file of `lesson` (empty when valid)."""
    if not isinstance(raw, dict):
        return [f"a question must be a mapping, not {type(raw).__name__}"]
    if raw.get("type") not in TYPES:
        return [f"type must be one of {', '.join(TYPES)}, got {raw.get('type')!r}"]
    if raw["type"] == "numeric" and "template" in raw:
        return _template_problems(raw, lesson)
    needed = REQUIRED + EXTRA[raw["type"]]
    found = [f"missing `{key}`" for key in needed if key not in raw]
    found += [f"unknown key `{key}`" for key in raw if key not in needed + OPTIONAL[raw["type"]]]
    if found:
        return found
    return _common_problems(raw, lesson) + _answer_problems(raw) + _wrong_problems(raw)


def _common_problems(raw, lesson: str) -> list:
    found = []
    if not isinstance(raw["id"], str) or not QUESTION_ID.match(raw["id"]) or not raw["id"].startswith(f"{lesson}-"):
        found.append(f"id must look like {lesson}-some-name (lowercase, digits, dashes)")
    found += [f"`{key}` must be non-empty text" for key in ("prompt", "explanation", "section")
              if not _is_text(raw[key])]
    if raw["difficulty"] not in (1, 2, 3) or isinstance(raw["difficulty"], bool):
        found.append("difficulty must be 1, 2 or 3")
    if "group" in raw and not (isinstance(raw["group"], str) and GROUP.match(raw["group"])):
        found.append("group must be a name in lowercase letters, digits and dashes")
    if "kind" in raw and raw["kind"] not in KINDS:
        found.append(f"kind must be one of {', '.join(KINDS)}, got {raw['kind']!r}")
    return found


def _template_problems(raw, lesson: str) -> list:
    """Problems of a numeric question drawn from a template: the template exists, the mistakes are
    its own, and every placeholder of the texts is a value it computes (checked on a few draws)."""
    found = [f"missing `{key}`" for key in TEMPLATED if key not in raw]
    found += [f"unknown key `{key}`" for key in raw if key not in TEMPLATED + TEMPLATE_OPTIONAL]
    if found:
        return found
    found = _common_problems(raw, lesson)
    if raw["template"] not in templates.TEMPLATES:
        return found + [f"template must be one of {', '.join(templates.TEMPLATES)}, got {raw['template']!r}"]
    template = templates.TEMPLATES[raw["template"]]
    if "tolerance" in raw and not (_is_number(raw["tolerance"]) and raw["tolerance"] >= 0):
        found.append("tolerance must be a number >= 0")
    mistakes = raw.get("mistakes", {})
    if not isinstance(mistakes, dict) or not all(map(_is_text, mistakes.values())):
        return found + ["mistakes must map mistake names to explanations (text)"]
    found += [f"template {template.name} has no mistake {name!r}: use one of {', '.join(template.mistakes)}"
              for name in mistakes if name not in template.mistakes]
    if found:
        return found
    texts = [raw["prompt"], raw["explanation"], *mistakes.values()]
    for draw in range(5):
        values = templates.draw(template.name, random.Random(f"check:{draw}"))
        try:
            for text in texts:
                _render(text, values)
        except (KeyError, ValueError, TypeError) as err:
            return found + [f"a placeholder names no value of template {template.name} or has a bad format "
                            f"({err}); the values are {', '.join(sorted(values))}"]
    return found


def _read(path: Path):
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as err:
        raise CourseError(f"{path} is not UTF-8 text ({err.reason} at byte {err.start}): save it as UTF-8") from None
    except yaml.YAMLError as err:
        raise CourseError(f"{path.name} is not valid YAML ({' '.join(str(err).split())}): fix the file") from None


def lesson_problems(path: Path, number: str, data=None) -> list:
    """Every problem in the bank file of lesson `number` (its parsed `data`, else read here), each as
    'file: question id: problem'."""
    data = _read(path) if data is None else data
    if not isinstance(data, dict) or set(data) != {"title", "questions"} or not _is_text(data["title"]):
        return [f"{path.name}: the file must hold a mapping with `title` (text) and `questions` (a list)"]
    if not isinstance(data["questions"], list) or not data["questions"]:
        return [f"{path.name}: `questions` must be a non-empty list"]
    found = []
    for index, raw in enumerate(data["questions"], 1):
        name = raw.get("id", f"question {index}") if isinstance(raw, dict) else f"question {index}"
        found += [f"{path.name}: {name}: {problem}" for problem in question_problems(raw, number)]
    ids = Counter(raw["id"] for raw in data["questions"] if isinstance(raw, dict) and isinstance(raw.get("id"), str))
    groups = Counter(raw["group"] for raw in data["questions"]
                     if isinstance(raw, dict) and isinstance(raw.get("group"), str))
    return found + [f"{path.name}: id {qid} is used {count} times" for qid, count in ids.items() if count > 1] + [
        f"{path.name}: group {name} has one question: a group needs two or more" for name, count in groups.items()
        if count == 1]


def _render(text: str, values: dict) -> str:
    """`text` with each {{name}} or {{name:spec}} replaced by the value, formatted."""
    return PLACEHOLDER.sub(lambda m: format(values[m.group(1)], m.group(2) or ""), text)


def fresh(q: Question, rng: random.Random) -> Question:
    """`q` with new numbers drawn from its template (a question without one is returned as it is).

    Mistakes that give no number for these inputs, the right one, or the number of a mistake
    listed before them, are left out.
    """
    if not q.template:
        return q
    prompt, explanation, mistakes = q.source
    template = templates.TEMPLATES[q.template]
    values = templates.draw(q.template, rng)
    answer = values["answer"]
    wrong = []
    for name, text in mistakes:
        value = template.mistakes[name](values)
        taken = [answer] + [w for w, _ in wrong]
        if value is not None and all(abs(value - t) > q.tolerance + wrong_window(value, q.tolerance) for t in taken):
            wrong.append((value, " ".join(_render(text, values).split())))  # one line, as the bank's
    return dataclasses.replace(q, prompt=_render(prompt, values).strip(), answer=answer, wrong=tuple(wrong),
                               explanation=_render(explanation, values).strip())


def _question(raw, number: str) -> Question:
    if "template" in raw:
        mistakes = tuple(raw.get("mistakes", {}).items())
        blank = Question(id=raw["id"], lesson=number, type="numeric", prompt="", answer=None, explanation="",
                         section=raw["section"].strip(), difficulty=raw["difficulty"],
                         group=raw.get("group", ""), kind=raw.get("kind", "recall"),
                         tolerance=raw.get("tolerance", templates.TEMPLATES[raw["template"]].tolerance),
                         template=raw["template"], source=(raw["prompt"], raw["explanation"], mistakes))
        return fresh(blank, random.Random(raw["id"]))  # the bank's own draw; a quiz draws its own
    kind, answer = raw["type"], raw["answer"]
    if kind == "single":
        answer = LETTERS.index(answer)
    elif kind == "multiple":
        answer = frozenset(LETTERS.index(a) for a in answer)
    elif kind == "text":
        answer = tuple(answer) if isinstance(answer, list) else (answer,)
    choices = tuple(Choice(c["text"].strip(), c["feedback"].strip()) for c in raw.get("choices", ()))
    wrong = tuple((w["answer"], w["explanation"].strip()) for w in raw.get("wrong", ()))
    return Question(id=raw["id"], lesson=number, type=kind, prompt=raw["prompt"].strip(), answer=answer,
                    explanation=raw["explanation"].strip(), section=raw["section"].strip(),
                    difficulty=raw["difficulty"], choices=choices, tolerance=raw.get("tolerance", 0.0), wrong=wrong,
                    group=raw.get("group", ""), kind=raw.get("kind", "recall"))


def load_lesson(path: Path, number: str, name: str) -> Lesson:
    data = _read(path)
    problems = lesson_problems(path, number, data)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise CourseError(f"the quiz bank has a bad question: {problems[0]}{more}: fix {path}")
    return Lesson(code=number, name=name, title=data["title"].strip(),
                  questions=tuple(_question(raw, number) for raw in data["questions"]))


@cache
def load_bank(root: Path = catalogue.ROOT) -> dict:
    """Lesson code -> Lesson, for every lesson of the catalogue that has practice questions, in course order.

    Ids are unique across the bank: each is unique in its file and starts with its lesson's number,
    and no two lessons with practice questions share a number.
    """
    bank = {}
    for found in catalogue.lessons(root):
        if not found.quiz_bank.is_file():
            continue
        if found.number in bank:
            raise CourseError(f"two lessons numbered {found.number} have practice questions, "
                              f"{bank[found.number].name} and {found.name}: renumber one of them")
        bank[found.number] = load_lesson(found.quiz_bank, found.number, found.name)
    return bank


def lesson(name) -> Lesson:
    """A lesson by code ("01", 1) or by name ("01_trainer_api")."""
    bank = load_bank()
    key = f"{name:02d}" if isinstance(name, int) and not isinstance(name, bool) else str(name).strip()
    for found in bank.values():
        if key in (found.code, found.name) or (key.isdigit() and int(key) == int(found.code)):
            return found
    valid = ", ".join(f"{x.code} ({x.name})" for x in bank.values())
    raise CourseError(f"no quiz for lesson {name!r}: use one of {valid}")


def select(name=None) -> list:
    """The questions of one lesson, or of the whole bank when `name` is None."""
    if name is None:
        return [q for found in load_bank().values() for q in found.questions]
    return list(lesson(name).questions)


def question(question_id: str) -> Question:
    everything = select()
    for found in everything:
        if found.id == question_id:
            return found
    same_lesson = [q.id for q in everything if q.id[:3] == str(question_id)[:3]]
    valid = ", ".join(same_lesson or [q.id for q in everything])
    raise CourseError(f"no question {question_id!r} in the quiz bank: use one of {valid}")


# --- order --------------------------------------------------------------------------------------------

def arrange(questions, seed, n=None, first=()) -> list:
    """The questions in an order fixed by `seed`, those whose ids are in `first` ahead, at most `n`.

    The questions of a group stay together, in the bank's order, where the first of them comes; a
    group is asked whole or not at all, so `n` may leave out a group that would not fit.
    """
    if n is not None and (not isinstance(n, int) or n < 1):
        raise CourseError(f"n must be a whole number of questions, at least 1, got {n!r}")
    units, where = [], {}
    for q in questions:  # a unit: one question, or a group's questions in bank order
        if q.group and (q.lesson, q.group) in where:
            where[q.lesson, q.group].append(q)
        else:
            units.append([q])
            if q.group:
                where[q.lesson, q.group] = units[-1]
    random.Random(seed).shuffle(units)
    units.sort(key=lambda unit: not any(q.id in first for q in unit))  # stable: keeps the shuffled order
    order = []
    for unit in units:
        if n is None or len(order) + len(unit) <= n:
            order += unit
    return order


def choice_order(q: Question, seed) -> list:
    """Indices of `q.choices` in display order; fixed by the seed and the question, not by the others."""
    order = list(range(len(q.choices)))
    random.Random(f"{seed}:{q.id}").shuffle(order)
    return order


# --- checking -----------------------------------------------------------------------------------------

def normalise(text: str) -> str:
    """Text answers compare after dropping case, quotes, backticks, punctuation and extra whitespace."""
    return " ".join(text.casefold().translate(_IGNORED).split())


def _number_text(value) -> str:
    return f"{int(value):,}" if float(value).is_integer() and abs(value) >= 1000 else f"{value:g}"


def _wrong_form(q: Question, expected: str, response) -> CourseError:
    return CourseError(f"question {q.id} is {q.type}: answer with {expected}; got {response!r}")


def _choice_index(q: Question, response) -> int:
    """A choice given as a letter ('b', in the bank's order) or a 0-based index."""
    count = len(q.choices)
    if isinstance(response, str) and len(response.strip()) == 1 and response.strip().lower() in LETTERS[:count]:
        return LETTERS.index(response.strip().lower())
    if isinstance(response, int) and not isinstance(response, bool) and 0 <= response < count:
        return response
    kind = "one choice" if q.type == "single" else "a list of choices"
    raise _wrong_form(q, f"{kind}: a letter a-{LETTERS[count - 1]} or an index 0-{count - 1}", response)


def _marked(q: Question, index: int) -> str:
    right = index == q.answer if q.type == "single" else index in q.answer
    return f"{'✓' if right else '✗'} **{q.choices[index].text}**: {q.choices[index].feedback}"


def _check_single(q: Question, response) -> Result:
    picked = _choice_index(q, response)
    right = picked == q.answer
    answer = () if right else (f"The right answer: {_right_answer(q)}",)
    return Result(q, "correct" if right else "incorrect", float(right), (_marked(q, picked), *answer))


def _check_multiple(q: Question, response) -> Result:
    if isinstance(response, (str, bytes)) or not hasattr(response, "__iter__"):
        raise _wrong_form(q, "a list of choices, e.g. ['a', 'c'] or [0, 2]", response)
    picked = sorted({_choice_index(q, r) for r in response})
    hits = sum(i in q.answer for i in picked)
    # Each wrong pick cancels a right one, so ticking every box earns nothing.
    score = max(0, hits - (len(picked) - hits)) / len(q.answer)
    status = "correct" if set(picked) == q.answer else "partial" if score > 0 else "incorrect"
    feedback = tuple(_marked(q, i) for i in picked)
    missed = [i for i in sorted(q.answer) if i not in picked]
    if missed:
        feedback += (f"You left out {len(missed)} right choice{'s' if len(missed) > 1 else ''}: "
                     + "; ".join(f"**{q.choices[i].text}**" for i in missed),)
    return Result(q, status, score, feedback)


def parse_number(text):
    """A number from a response: '73728', '73,728', '73_728', '0.25', '-1e-3'; None when it is none."""
    cleaned = text.strip().replace(" ", "")
    if _THOUSANDS.match(cleaned):
        cleaned = cleaned.replace(",", "")
    try:
        return float(cleaned)
    except ValueError:
        return None


def _check_numeric(q: Question, response) -> Result:
    value = parse_number(response) if isinstance(response, str) else response
    if not _is_number(value):
        raise _wrong_form(q, "a number, e.g. 42 or 0.25", response)
    right = _near(value, q.answer, q.tolerance)
    verdict = "is right." if right else f"is not it: the answer is {_right_answer(q)}."
    known = [why for wrong, why in q.wrong if not right and _near(value, wrong, wrong_window(wrong, q.tolerance))]
    return Result(q, "correct" if right else "incorrect", float(right), (f"{_number_text(value)} {verdict}",
                                                                         *known[:1]))


def wrong_window(wrong, tolerance) -> float:
    """How far a response may be from a listed wrong answer and still be that mistake: the question's
    tolerance; for an exact question, none for a whole number and 0.5% for a fraction (5.66 is the
    16 / sqrt(8) = 5.657... slip)."""
    if tolerance:
        return tolerance
    return 0.0 if float(wrong).is_integer() else 0.005 * abs(wrong)


def _near(value, target, tolerance) -> bool:
    return abs(value - target) <= tolerance + 1e-9 * max(1.0, abs(target))


def _right_answer(q: Question) -> str:
    """The right answer as a student would write it."""
    if q.type == "numeric":
        if not q.tolerance:
            return _number_text(q.answer)
        digits = max(3, math.ceil(-math.log10(q.tolerance)))  # 0.687 (± 0.005), not 0.686667
        return f"{q.answer:.{digits}f} (± {_number_text(q.tolerance)})"
    if q.type == "text":
        return f"`{q.answer[0]}`"
    if q.type == "single":
        return f"**{q.choices[q.answer].text}**"
    if q.type == "multiple":
        return "; ".join(f"**{q.choices[i].text}**" for i in sorted(q.answer))
    return "the model answer below"


def _check_text(q: Question, response) -> Result:
    if not isinstance(response, str) or not normalise(response):
        raise _wrong_form(q, "some text", response)
    right = normalise(response) in {normalise(a) for a in q.answer}
    verdict = "Right." if right else f"Not it: the expected answer is `{q.answer[0]}`."
    known = [why for wrong, why in q.wrong if not right and normalise(response) == normalise(wrong)]
    return Result(q, "correct" if right else "incorrect", float(right), (verdict, *known[:1]))


def _check_open(q: Question, response) -> Result:
    if not isinstance(response, str):
        raise _wrong_form(q, "your answer as text (it may be empty)", response)
    return Result(q, "self-assessed", 0.0, ("Compare your answer with the model answer:", q.answer))


CHECKERS = {"single": _check_single, "multiple": _check_multiple, "numeric": _check_numeric,
            "text": _check_text, "open": _check_open}


def _recorded(q: Question, response):
    """A response as the progress file keeps it: choices as letters in the bank's order, text as typed."""
    if q.type == "single":
        return LETTERS[_choice_index(q, response)]
    if q.type == "multiple":
        return [LETTERS[i] for i in sorted({_choice_index(q, r) for r in response})]
    return response


def check(q: Question, response) -> Result:
    """Judge one response. For an open question the result is `self-assessed` with the model answer,
    scoring 0 until the student says how they did (`self_assess`). A response of the wrong form
    (a list for a single choice, text that is no number) raises CourseError saying what is expected."""
    result = CHECKERS[q.type](q, response)
    return dataclasses.replace(result, response=_recorded(q, response))


def dont_know(q: Question) -> Result:
    """The result of answering "don't know": no score, recorded as `unknown`, and the right answer shown."""
    return Result(q, "unknown", 0.0, (f"The answer is {_right_answer(q)}.",) if q.type != "open" else ())


def self_assess(q: Question, got_it: bool) -> Result:
    """The student's own verdict on an open question, after comparing with the model answer."""
    if q.type != "open":
        raise CourseError(f"question {q.id} is {q.type}, checked automatically: use check(), not self_assess()")
    verdict = "You marked this as understood." if got_it else "You marked this to review again."
    return Result(q, "correct" if got_it else "incorrect", float(bool(got_it)),
                  (verdict + " The model answer:", q.answer), "understood" if got_it else "to review")


# --- one sitting ----------------------------------------------------------------------------------------

class Quiz:
    """One sitting: which questions in which order, attempts per question and the best result of each.

    The seed fixes the order of questions and choices; without one a random seed is drawn and kept
    in `seed`, so a sitting can be repeated. The ids in `first` (e.g. missed before) come first;
    with `only` (e.g. the ids due for review), only those questions are asked.
    """

    def __init__(self, lesson_name=None, n=None, seed=None, first=(), only=None):
        self.seed = random.randrange(1_000_000) if seed is None else seed
        pool = select(lesson_name)
        if only is not None:  # those questions, with the rest of their groups
            groups = {(q.lesson, q.group) for q in pool if q.id in set(only) and q.group}
            pool = [q for q in pool if q.id in set(only) or (q.lesson, q.group) in groups]
        self.draws = Counter()
        self.questions = [self.redraw(q) for q in arrange(pool, self.seed, n, set(first))]
        self.attempts = Counter()
        self.best = {}

    def redraw(self, q: Question) -> Question:
        """`q` with fresh numbers when it has a template: each call draws anew, fixed by the seed."""
        self.draws[q.id] += 1
        return fresh(q, random.Random(f"{self.seed}:{q.id}:{self.draws[q.id]}"))

    def choices(self, q: Question) -> list:
        """(index in the bank, Choice) pairs in display order."""
        return [(i, q.choices[i]) for i in choice_order(q, self.seed)]

    def answer(self, q: Question, response) -> Result:
        return self._count(check(q, response))

    def assess(self, q: Question, got_it: bool) -> Result:
        return self._count(self_assess(q, got_it))

    def dont_know(self, q: Question) -> Result:
        return self._count(dont_know(q))

    def _count(self, result: Result) -> Result:
        if result.status != "self-assessed":  # seeing a model answer is not an attempt yet
            qid = result.question.id
            self.attempts[qid] += 1
            if qid not in self.best or result.score > self.best[qid].score:
                self.best[qid] = result
        return result

    @property
    def score(self) -> float:
        """The sum of each question's best score so far (0 to the number of questions)."""
        return sum(r.score for r in self.best.values())
