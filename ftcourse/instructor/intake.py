"""Submissions in: a folder or a zip, in nbgrader's layout (`<student>/<assignment>/<notebook>.ipynb`)
or a simple one (`<student>/<assignment>.ipynb`), copied into the gradebook's submitted folder."""
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from ..shared.errors import CourseError

# Written by `nbgrader submit` and kept by `nbgrader collect`: the submission time (late penalties)
# and the secret that release_feedback names the feedback page by (the Assignment List finds it so).
COLLECTED = ("timestamp.txt", "submission_secret.txt")


@dataclass
class Submission:
    student: str
    assignment: str
    notebooks: list = field(default_factory=list)  # paths as received
    notes: list = field(default_factory=list)  # what a grader should know before grading


def unpack(source: Path, scratch: Path, assignments: list) -> Path:
    """The folder holding the student folders: `source` itself, or a zip extracted safely."""
    if source.is_dir():
        folder = source
    elif zipfile.is_zipfile(source):
        folder = scratch / "unzipped"
        with zipfile.ZipFile(source) as archive:
            for member in archive.infolist():
                if not (folder / member.filename).resolve().is_relative_to(folder.resolve()):
                    raise CourseError(f"{source} holds a path outside the archive ({member.filename}): refusing it")
            archive.extractall(folder)
    else:
        raise CourseError(f"{source} is neither a folder nor a zip file: pass the submissions folder or its zip")
    entries = [p for p in folder.iterdir() if not p.name.startswith((".", "__"))]
    if len(entries) == 1 and entries[0].is_dir() and not _is_student(entries[0], assignments):
        return entries[0]  # a zip of one folder that holds the student folders
    return folder


def _is_student(folder: Path, assignments: list) -> bool:
    return any(p.suffix == ".ipynb" or p.name in assignments for p in folder.iterdir())


def find(folder: Path, assignments: list) -> list:
    """One Submission per student and known assignment; unknown names become notes."""
    found = []
    for student_dir in sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")):
        student = student_dir.name
        by_assignment = {a: Submission(student, a) for a in assignments}
        stray = []
        for path in sorted(student_dir.iterdir()):
            if path.is_dir() and path.name in by_assignment:  # nbgrader layout
                by_assignment[path.name].notebooks += sorted(path.glob("*.ipynb"))
            elif path.suffix == ".ipynb" and path.stem in by_assignment:  # simple layout
                by_assignment[path.stem].notebooks.append(path)
            else:
                stray.append(path)
        for path in stray:  # a file named after an assignment but not exactly: keep it there
            owner = next((a for a in assignments if path.name.startswith(a) or path.name.startswith(a[:3])), None)
            if owner and path.suffix == ".ipynb":
                by_assignment[owner].notebooks.append(path)
            elif not path.name.startswith("."):
                by_assignment[assignments[0]].notes.append(f"ignored {path.name}: not a notebook of any assignment")
        for assignment, submission in by_assignment.items():
            names = [p.name for p in submission.notebooks]
            if not names:
                submission.notes.append("no notebook submitted")
            elif f"{assignment}.ipynb" not in names:
                submission.notes.append(f"expected {assignment}.ipynb, found {', '.join(names)}")
            found.append(submission)
    if not found:
        raise CourseError(f"no student folders in {folder}: expected <student>/<assignment>.ipynb "
                          "or <student>/<assignment>/<notebook>.ipynb")
    return found


def place(submission: Submission, submitted_dir: Path) -> Path:
    """Copy a submission into nbgrader's submitted folder, replacing an earlier copy."""
    target = submitted_dir / submission.student / submission.assignment
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    for notebook in submission.notebooks:
        shutil.copy(notebook, target / notebook.name)
    for folder in {n.parent for n in submission.notebooks if n.parent.name == submission.assignment}:
        for name in COLLECTED:  # nbgrader layout: what `nbgrader collect` brought along
            found = folder / name
            if found.is_file() and not found.is_symlink() and found.stat().st_size <= 1024:
                shutil.copy(found, target / name)
    return target


def receive(source: Path, submitted_dir: Path, assignments: list) -> list:
    with tempfile.TemporaryDirectory() as scratch:
        source = Path(source)
        if source.is_dir() and source.resolve().is_relative_to(Path(submitted_dir).resolve()):
            # `nbgrader collect` wrote straight into the workspace's submitted/: read a copy, since
            # placing a submission replaces its folder there
            source = Path(shutil.copytree(source, Path(scratch) / "collected", symlinks=True))
        submissions = find(unpack(source, Path(scratch), assignments), assignments)
        for submission in submissions:
            place(submission, submitted_dir)
    return submissions
