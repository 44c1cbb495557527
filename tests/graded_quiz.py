"""The graded quiz (lesson 06) read from its instructor source, for the tests: the questions from the Markdown,
the answer forms from the visible checks and the key from the hidden tests of the instructor's source.

The key is parsed with `ast` from the `quiz_checks.expect_key(answers_XX, {...}, FORMS, ...)` call of
each part's test cell, never executed, so reading it runs no notebook code.
"""
import ast
import re
from dataclasses import dataclass, field
from functools import cache

import nbformat

from ftcourse.shared.catalogue import lesson

HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", re.S)
SOLUTION = re.compile(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", re.S)
HEADING = re.compile(r"^\*\*`([a-z0-9-]+)`\*\* \(answer with [^)]*\)$", re.M)
CHOICE = re.compile(r"^- \*\*([a-z])\)\*\* (.+)$")
OPEN = re.compile(r"^\*\*Open question (\d+)\.\*\* (.+)", re.S)


@dataclass
class Question:
    id: str  # as in the notebook: "eval-strategy", without the lesson number
    part: str  # the answers variable of its part: "answers_01"
    form: str  # as the checks take it: "single a-d", "multiple a-d", "number", "text"
    answer: object  # the key entry: a letter, a list of letters, a number, or a list of accepted texts
    prompt: str  # the Markdown below the question's heading, choices left out
    choices: dict = field(default_factory=dict)  # letter -> choice text

    @property
    def first_line(self) -> str:
        return self.prompt.strip().splitlines()[0].strip()


@dataclass
class Part:
    name: str  # "answers_01"
    forms: dict
    key: dict
    questions: list


@dataclass
class OpenQuestion:
    number: int
    prompt: str
    model_answer: str  # from the instructor's source only


def nbgrader(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def source():
    return nbformat.read(lesson("06").source, as_version=4)


def _literal(node):
    return ast.literal_eval(node)


def _test_cell_key(code: str):
    """(answers name, FORMS, key) from a part's test cell of the instructor's source."""
    hidden = HIDDEN.search(code)
    assert hidden, "a graded part's test cell has no hidden tests"
    tree = ast.parse(code)
    forms = [_literal(node.value) for node in ast.walk(tree) if isinstance(node, ast.Assign)
             and [getattr(t, "id", None) for t in node.targets] == ["FORMS"]]
    calls = [node for node in ast.walk(ast.parse(hidden.group(1))) if isinstance(node, ast.Call)
             and getattr(node.func, "attr", None) == "expect_key"]
    assert len(forms) == 1 and len(calls) == 1, "expected one FORMS and one expect_key(...) per part"
    answers, key, forms_arg, _name = calls[0].args
    assert isinstance(answers, ast.Name) and isinstance(forms_arg, ast.Name) and forms_arg.id == "FORMS"
    return answers.id, forms[0], _literal(key)


def _questions(markdown: str, part: str, forms: dict, key: dict) -> list:
    starts = list(HEADING.finditer(markdown))
    found = []
    for match, following in zip(starts, starts[1:] + [None]):
        body = markdown[match.end():following.start() if following else len(markdown)]
        body = body.split("\n---\n")[0].split("Write your answers into")[0]
        prompt, choices = [], {}
        for line in body.strip().splitlines():
            choice = CHOICE.match(line)
            if choice:
                choices[choice.group(1)] = choice.group(2).strip()
            else:
                prompt.append(line)
        qid = match.group(1)
        found.append(Question(qid, part, forms[qid], key[qid], "\n".join(prompt).strip(), choices))
    return found


@cache
def parts() -> tuple:
    """Every automatically graded part of the source, in order, with its questions and key."""
    cells = source().cells
    found = []
    for index, cell in enumerate(cells):
        if cell.cell_type != "code" or not nbgrader(cell).get("grade") or "expect_key" not in cell.source:
            continue
        name, forms, key = _test_cell_key(cell.source)
        markdown = next(c.source for c in reversed(cells[:index])
                        if c.cell_type == "markdown" and f"Write your answers into `{name}`" in c.source)
        questions = _questions(markdown, name, forms, key)
        assert [q.id for q in questions] == list(forms) == list(key), f"{name}: questions, FORMS and key differ"
        found.append(Part(name, forms, key, questions))
    return tuple(found)


def questions() -> list:
    return [q for part in parts() for q in part.questions]


@cache
def open_questions() -> tuple:
    """The open questions with their model answers (the solutions of the hand-graded Markdown cells)."""
    cells = source().cells
    found = []
    for prompt_cell, answer_cell in zip(cells, cells[1:]):
        match = OPEN.match(prompt_cell.source) if prompt_cell.cell_type == "markdown" else None
        if match:
            solution = SOLUTION.search(answer_cell.source)
            assert solution and nbgrader(answer_cell).get("grade"), f"open question {match.group(1)}: no model answer"
            model = re.sub(r"^\*\*Model answer\.\*\*\s*", "", solution.group(1).strip())
            found.append(OpenQuestion(int(match.group(1)), match.group(2).strip(), model))
    return tuple(found)


def key() -> dict:
    """Question id (without lesson number) -> key entry, over every part."""
    return {q.id: q.answer for q in questions()}


def right_answers() -> dict:
    """Part name -> a right answer for every question of the part (the first accepted text)."""
    return {part.name: {q.id: q.answer[0] if q.form == "text" and isinstance(q.answer, list) else q.answer
                        for q in part.questions} for part in parts()}
