"""Both ways, per lesson, through the real grading pipeline: the student version filled with the
instructor's answers gets full marks, the blank student version none.

Each check is a grading run (`grade.grade`) of two submissions, `reference` and `blank`, in a
scratch workspace, under the run's settings (the ci profile unless told otherwise): the notebook
runs in the sandboxed kernel and every test is decided by the trusted checks, exactly as for a
student. With `settings.variants`, the same run also tries every reference variant of the
lesson's answers (see variants.py). nbgrader's own `validate` command exits 0 even when validation
fails, and runs tests in the student's kernel: neither is what a grade rests on.
"""
import dataclasses
import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from ..shared.catalogue import names as lesson_names, student_notebook
from .answers import solved
from .cells import grade_id, is_test


@dataclass
class Outcome:
    lesson: str
    version: str  # "source" (the reference answers) or "student" (blank)
    problems: list = field(default_factory=list)  # empty when the version behaves as it must
    autograded: str = ""  # the autograded notebook, while its workspace exists

    @property
    def ok(self) -> bool:
        return not self.problems


def submissions(folder: Path, lessons: list) -> Path:
    """reference/<lesson>.ipynb (answers filled in) and blank/<lesson>.ipynb for each lesson."""
    for lesson in lessons:
        for student, notebook in (("reference", solved(lesson)),
                                  ("blank", nbformat.read(str(student_notebook(lesson)), as_version=4))):
            (folder / student).mkdir(parents=True, exist_ok=True)
            nbformat.write(notebook, str(folder / student / f"{lesson}.ipynb"))
    return folder


def verdicts_of(autograded: Path) -> dict:
    """grade_id -> the reason a test failed ('' when it passed), from an autograded notebook."""
    found = {}
    for cell in nbformat.read(str(autograded), as_version=4).cells:
        if is_test(cell):
            errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
            found[grade_id(cell)] = f"{errors[0].get('ename')}: {errors[0].get('evalue', '')}" if errors else ""
    return found


def output_mismatches(lesson: str, autograded: Path) -> list:
    """The source's deterministic outputs (`# NBVAL_CHECK_OUTPUT`) that the reference run did not print."""
    from ..shared.catalogue import source_notebook
    from .outputs import mismatches

    return mismatches(nbformat.read(str(autograded), as_version=4),
                      nbformat.read(str(source_notebook(lesson)), as_version=4))


def outcomes_of(workspace: Path, rows: list) -> list:
    """Both-ways outcomes from a grading run's rows of the `reference` and `blank` students."""
    outcomes = []
    for row in rows:
        if row.student not in ("reference", "blank"):
            continue
        autograded = workspace / "autograded" / row.student / row.assignment / f"{row.assignment}.ipynb"
        verdicts = verdicts_of(autograded) if autograded.exists() else {}
        if row.student == "reference":
            problems = [f"test {t} failed: {why}" for t, why in verdicts.items() if why]
            if not verdicts:
                problems.append("no autograded notebook: " + "; ".join(row.notes))
            else:
                problems += output_mismatches(row.assignment, autograded)
            outcomes.append(Outcome(row.assignment, "source", problems, str(autograded)))
        else:
            problems = [f"test {t} passes without an answer" for t, why in verdicts.items() if not why]
            if row.score and not problems:
                problems.append(f"scored {row.score:g} without an answer")
            outcomes.append(Outcome(row.assignment, "student", problems, str(autograded)))
    return sorted(outcomes, key=lambda o: (o.lesson, o.version))


def variant_results(workspace: Path, lessons: list) -> dict:
    """{lesson: [variant rows]} from a run with variants (see variants.report)."""
    found = {}
    for lesson in lessons:
        path = workspace / "autograded" / "reference" / lesson / ".ftcourse" / "variants.json"
        if path.exists():
            found[lesson] = json.loads(path.read_text())["variants"]
    return found


def validate_all(settings, names=None, log=print, keep: Path = None) -> list:
    """Grade reference and blank submissions of each lesson; return their outcomes."""
    from .grade import grade

    lessons = names or lesson_names()
    with tempfile.TemporaryDirectory(prefix="ftcourse-validate-") as scratch:
        workspace = Path(keep) if keep else Path(scratch) / "workspace"
        run = dataclasses.replace(settings, workspace=str(workspace))
        rows = grade(submissions(Path(scratch) / "submissions", lessons), run, assignments=lessons, log=log)
        return outcomes_of(workspace, rows)
