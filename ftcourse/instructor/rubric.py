"""Rubrics of the cells graded by hand, beside the lesson source: `solutions/<lesson>/instructor/rubric.yaml`
(never released: nbgrader ignores folders named `instructor`).

    open1:
      criteria:
        - points: 1
          text: what earns this point
      comments:
        - "a ready-made comment"

The criteria of a cell add up to its points in the source notebook; a rubric for a cell that is not
graded by hand, or points that do not add up, stop the loading with the fix.
"""
from dataclasses import dataclass, field

import yaml

from ..shared.catalogue import lesson as find_lesson
from ..shared.errors import CourseError


@dataclass(frozen=True)
class Criterion:
    points: float
    text: str


@dataclass(frozen=True)
class Rubric:
    cell: str  # the grade_id of the cell it grades
    criteria: tuple = ()
    comments: tuple = field(default=())

    @property
    def points(self) -> float:
        return sum(c.points for c in self.criteria)

    def describe(self) -> str:
        lines = [f"  [{c.points:g}] {c.text}" for c in self.criteria]
        lines += [f"  comment {i}: {text}" for i, text in enumerate(self.comments, 1)]
        return "\n".join(lines)


def manual_cells(notebook) -> dict:
    """grade_id -> points of every cell graded by hand (graded answer cells: nbgrader's manual grading)."""
    from .cells import nbgrader

    return {nbgrader(c)["grade_id"]: float(nbgrader(c).get("points", 0)) for c in notebook.cells
            if nbgrader(c).get("grade") and nbgrader(c).get("solution")}


def load(assignment: str) -> dict:
    """grade_id -> Rubric for the lesson `assignment` ({} when it has no rubric file)."""
    import nbformat

    lesson = find_lesson(assignment)
    path = lesson.instructor / "rubric.yaml"
    if not path.exists():
        return {}
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as err:
        raise CourseError(f"{path} is not valid YAML ({' '.join(str(err).split())[:200]}): fix the file") from None
    if not isinstance(raw, dict):
        raise CourseError(f"{path}: expected one entry per graded cell (grade_id: criteria, comments)")
    cells = manual_cells(nbformat.read(str(lesson.source), as_version=4))
    rubrics = {}
    for cell, entry in raw.items():
        if cell not in cells:
            raise CourseError(f"{path}: {cell} is not a cell graded by hand in {lesson.source.name} "
                              f"(those are: {', '.join(cells) or 'none'})")
        criteria = (entry or {}).get("criteria") or []
        if not all(isinstance(c, dict) and isinstance(c.get("points"), (int, float)) and c.get("text")
                   for c in criteria):
            raise CourseError(f"{path}: every criterion of {cell} needs `points` (a number) and `text`")
        rubric = Rubric(cell, tuple(Criterion(float(c["points"]), str(c["text"]).strip()) for c in criteria),
                        tuple(str(c) for c in (entry or {}).get("comments") or []))
        if abs(rubric.points - cells[cell]) > 1e-9:
            raise CourseError(f"{path}: the criteria of {cell} add up to {rubric.points:g} points, the cell is "
                              f"worth {cells[cell]:g}: make them agree")
        rubrics[cell] = rubric
    return rubrics
