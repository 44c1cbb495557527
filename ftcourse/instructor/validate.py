"""Both ways, per assignment: the instructor source passes every test, the student version none.

nbgrader's `validate` command exits 0 even when validation fails, so this reads the results of
`nbgrader.validator.Validator` instead. Notebooks run in the grading profile (ci unless
FTCOURSE_PROFILE says otherwise), with the course's per-cell time limit.
"""
import os
from contextlib import contextmanager
from dataclasses import dataclass, field

from .course import lessons, nbgrader_config, source_notebook, student_notebook


@dataclass
class Outcome:
    lesson: str
    version: str  # "source" or "student"
    problems: list = field(default_factory=list)  # empty when the version behaves as it must

    @property
    def ok(self) -> bool:
        return not self.problems


@contextmanager
def profile_env(profile: str):
    saved = os.environ.get("FTCOURSE_PROFILE")
    os.environ["FTCOURSE_PROFILE"] = profile
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("FTCOURSE_PROFILE")
        else:
            os.environ["FTCOURSE_PROFILE"] = saved


def _validator(invert: bool):
    from nbgrader.validator import Validator

    return Validator(config=nbgrader_config(**{"Validator.invert": invert}))


def validate_source(lesson: str, profile: str = "ci") -> Outcome:
    with profile_env(profile):
        results = _validator(invert=False).validate(str(source_notebook(lesson)))
    problems = [f"test failed:\n{c['source']}\n{c['raw_error']}" for c in results.get("failed", [])]
    problems += [f"cell type changed: {c['source'][:80]}" for c in results.get("type_changed", [])]
    return Outcome(lesson, "source", problems)


def validate_student(lesson: str, profile: str = "ci") -> Outcome:
    with profile_env(profile):
        results = _validator(invert=True).validate(str(student_notebook(lesson)))
    problems = [f"test passes without an answer:\n{c['source']}" for c in results.get("passed", [])]
    problems += [f"locked cell differs from its checksum: {c['source'][:80]}" for c in results.get("changed", [])]
    problems += [f"cell type changed: {c['source'][:80]}" for c in results.get("type_changed", [])]
    return Outcome(lesson, "student", problems)


def validate_all(profile: str = "ci", names=None) -> list:
    outcomes = []
    for lesson in names or lessons():
        outcomes += [validate_source(lesson, profile), validate_student(lesson, profile)]
    return outcomes
