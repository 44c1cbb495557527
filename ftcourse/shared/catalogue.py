"""The course catalogue: which lessons exist, in which order, and where each one's files are.

A lesson is a notebook folder `NN_slug` (the instructor source in `solutions/`, the generated
student version in `notebooks/`) and a package folder `ftcourse/lessons/<slug>/` with everything
the student's side and the grader share: the checks its tests call, its practice questions
(`quiz.yaml`). What only an instructor may see (reference variants, mutants, rubrics) lives beside
the source notebook in `solutions/NN_slug/instructor/`, which nbgrader never releases.

The number lives in one place, the notebook folder's name: renumbering a lesson is renaming its two
notebook folders. Nothing here imports a lesson: the catalogue reads folder names only, so every
role can use it.
"""
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from .errors import CourseError

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "ftcourse" / "lessons"
NAME = re.compile(r"^(\d\d)_([a-z][a-z0-9_]*)$")


@dataclass(frozen=True)
class Lesson:
    name: str  # "01_trainer_api": the assignment, its folders and its notebook's name
    root: Path = ROOT

    @property
    def number(self) -> str:  # "01"
        return self.name[:2]

    @property
    def slug(self) -> str:  # "trainer_api": the package folder's name
        return self.name[3:]

    @property
    def source(self) -> Path:
        """The instructor source notebook (solutions, hidden tests)."""
        return self.root / "solutions" / self.name / f"{self.name}.ipynb"

    @property
    def student(self) -> Path:
        """The student version, generated from the source."""
        return self.root / "notebooks" / self.name / f"{self.name}.ipynb"

    @property
    def package(self) -> str:
        """The module path of the lesson's package folder, e.g. `ftcourse.lessons.trainer_api`."""
        return f"ftcourse.lessons.{self.slug}"

    @property
    def folder(self) -> Path:
        return self.root / "ftcourse" / "lessons" / self.slug

    @property
    def quiz_bank(self) -> Path:
        return self.folder / "quiz.yaml"

    @property
    def instructor(self) -> Path:
        """Instructor-only files of the lesson (never released, never installed with the package)."""
        return self.root / "solutions" / self.name / "instructor"

    @cached_property
    def title(self) -> str:
        """The first Markdown heading of the notebook, without its 'Lesson NN ·' prefix."""
        import json

        for path in (self.student, self.source):
            try:
                cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
            except (OSError, ValueError, KeyError):
                continue
            for cell in cells:
                text = "".join(cell.get("source", ""))
                if cell.get("cell_type") == "markdown" and text.startswith("# "):
                    return re.sub(r"^Lesson \d+\s*[·:-]\s*", "", text.splitlines()[0][2:]).strip()
        return self.slug.replace("_", " ")


def lessons(root: Path = ROOT) -> list:
    """Every lesson, in course order: each `NN_slug` folder of solutions/ or notebooks/ that holds
    its notebook."""
    names = set()
    for side in ("solutions", "notebooks"):
        names |= {p.parent.name for p in (root / side).glob("*/*.ipynb")
                  if p.stem == p.parent.name and NAME.match(p.stem)}
    return [Lesson(name, root) for name in sorted(names)]


def names(root: Path = ROOT) -> list:
    return [lesson.name for lesson in lessons(root)]


def lesson(key, root: Path = ROOT) -> Lesson:
    """A lesson by number ("01", 1), by name ("01_trainer_api") or by slug ("trainer_api")."""
    text = f"{key:02d}" if isinstance(key, int) and not isinstance(key, bool) else str(key).strip()
    for found in lessons(root):
        if text in (found.name, found.number, found.slug) or (text.isdigit() and int(text) == int(found.number)):
            return found
    valid = ", ".join(found.name for found in lessons(root))
    raise CourseError(f"no lesson {key!r}: use one of {valid}")


def source_notebook(name: str) -> Path:
    return _existing(lesson(name).source)


def student_notebook(name: str) -> Path:
    return _existing(lesson(name).student)


def _existing(path: Path) -> Path:
    if not path.is_file():
        hint = "run `make student`" if path.parts[-3] == "notebooks" else "restore it from git"
        raise CourseError(f"no notebook {path}: {hint}")
    return path
