"""Filled-in copies of a student version: how the sample class and the tests make submissions.

A submission must start from the student version (its checksums are what nbgrader checks), with
answer cells filled in: by the reference solution from the instructor's source, or by other code.
"""
import copy
import re

import nbformat

STUB = re.compile(r"[ \t]*# YOUR CODE HERE\n\s*raise NotImplementedError\(\)")  # with its indent: solutions keep theirs
SOLUTION = re.compile(r"[ \t]*### BEGIN SOLUTION\n(.*?)[ \t]*### END SOLUTION\n?", re.S)


def grade_id(cell):
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def reference_answers(source) -> dict:
    """grade_id -> the solution code of each answer cell of the instructor's source."""
    answers = {}
    for cell in source.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution") and cell.cell_type == "code":
            answers[meta["grade_id"]] = "\n".join(m.group(1).rstrip("\n") for m in SOLUTION.finditer(cell.source))
    return answers


def solution_text(source: str) -> str:
    """The solution part of an instructor cell (between BEGIN and END SOLUTION), else the cell."""
    found = [m.group(1).rstrip() for m in SOLUTION.finditer(source if source.endswith("\n") else source + "\n")]
    return "\n".join(found) if found else source.strip()


def fill(student, answers: dict):
    """A copy of `student` whose answer cells named in `answers` have their stub replaced."""
    filled = copy.deepcopy(student)
    for cell in filled.cells:
        code = answers.get(grade_id(cell))
        if code is not None and cell.cell_type == "code":
            cell.source = STUB.sub(lambda _: code, cell.source, count=1)
    return filled


def solved(lesson: str):
    """The student version of `lesson` with the reference answers filled in: a full-marks submission."""
    from ..shared.catalogue import source_notebook, student_notebook

    blank = nbformat.read(str(student_notebook(lesson)), as_version=4)
    return fill(blank, reference_answers(nbformat.read(str(source_notebook(lesson)), as_version=4)))


def insert_cell(notebook, code: str, before: int = 1):
    """A copy with an extra code cell (as students add them) at position `before`."""
    changed = copy.deepcopy(notebook)
    added = nbformat.v4.new_code_cell(code)
    added.id = f"student-added-{before}"  # a stable id: rebuilding the class gives the same files
    changed.cells.insert(before, added)
    return changed
