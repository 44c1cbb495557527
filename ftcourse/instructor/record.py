"""The run's single writer: each job's result into the workspace, once, and what is already graded.

Jobs grade in private workspaces (job.py), wherever they run; only their results come back, and only
this module writes the gradebook, the autograded notebooks and the ledger. A result is recorded when
it arrives, in this order: the autograded notebook, the grader's files and the submission's own
(`timestamp.txt`, `submission_secret.txt`), replacing the folder so that nothing of an earlier
grading is left in it, the scores and comments into nbgrader's gradebook
(as nbgrader's `SaveAutoGrades` and `AssignLatePenalties` would have written them, against the
gradebook as it is here: scores given by hand stay and mark the cell for review), one commit, then
the ledger. A job retried after a lost worker is recorded once, since only the retry's result
arrives; a run stopped halfway leaves every recorded job whole and grades the rest next time.

The ledger (`<workspace>/graded.json`) holds, per student and assignment, the digest of what was
graded: the submission's files, the run's settings that change a grade, and the assignment's source.
A later run grades only the jobs whose digest changed or that are not in the gradebook
(`--regrade`: all of them).
"""
import hashlib
import json
import os
import shutil
import warnings
from datetime import datetime
from pathlib import Path

from .job import Job, Result

LEDGER = "graded.json"
IGNORED_SETTINGS = ("workspace", "job_timeout")  # change where or how long, not the grade
SKIPPED = {"__pycache__", ".ipynb_checkpoints", "runs"}  # outputs of running a lesson, not its source


def source_digest(folders: list) -> str:
    """One hash of an assignment's source folders (its instructor notebook's folder and its package
    of checks); computed once per assignment and run, not once per job."""
    h = hashlib.sha256()
    for source in map(Path, folders):
        for path in sorted(source.rglob("*")) if source.is_dir() else []:
            if path.is_file() and not SKIPPED.intersection(path.parts):
                h.update(str(path.relative_to(source.parent)).encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def digest(files: dict, settings: dict, source: str) -> str:
    """What a grade depends on, as one hash: the submission's files, the settings, and the
    assignment's source (`source_digest`)."""
    h = hashlib.sha256()
    for name in sorted(files):
        h.update(name.encode() + b"\0" + hashlib.sha256(files[name]).digest())
    h.update(json.dumps({k: v for k, v in sorted(settings.items()) if k not in IGNORED_SETTINGS}).encode())
    h.update(source.encode())
    return h.hexdigest()


class Ledger:
    """`<workspace>/graded.json`: (student, assignment) -> digest of what was graded and recorded."""

    def __init__(self, workspace: Path):
        self.path = Path(workspace) / LEDGER
        try:
            found = json.loads(self.path.read_text())
            self.entries = {k: v for k, v in found.items() if isinstance(v, str)} if isinstance(found, dict) else {}
        except (OSError, ValueError):
            self.entries = {}

    def unchanged(self, job: Job) -> bool:
        return bool(job.digest) and self.entries.get(job.name) == job.digest

    def mark(self, job: Job) -> None:
        self.entries[job.name] = job.digest
        partial = self.path.with_suffix(".json.partial")
        partial.write_text(json.dumps(self.entries, indent=1, sort_keys=True))
        os.replace(partial, self.path)  # never a half-written ledger


def record(result: Result, job: Job, gb, workspace: Path, late_assigner, ledger: Ledger) -> None:
    """Write one successful result into the workspace and the gradebook, then the ledger."""
    folder = Path(workspace) / "autograded" / result.student / result.assignment
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    if job.folder:  # what nbgrader's autograde carries over besides notebooks: timestamp.txt and
        for path in Path(job.folder).iterdir():  # submission_secret.txt (feedback is released by it)
            if path.is_file() and path.suffix != ".ipynb":
                shutil.copy2(path, folder / path.name)
    if result.notebook:
        (folder / f"{result.assignment}.ipynb").write_text(result.notebook, encoding="utf-8")
    for name, text in result.grader_files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    write_scores(gb, result, late_assigner)
    ledger.mark(job)


def write_scores(gb, result: Result, late_assigner) -> None:
    """The private gradebook's values for one submission, into `gb` (one commit)."""
    from sqlalchemy.exc import SAWarning

    from .late import penalize

    found = result.submission
    timestamp = datetime.fromisoformat(found["timestamp"]) if found.get("timestamp") else None
    with warnings.catch_warnings():  # nbgrader's add_submission trips SQLAlchemy's autoflush notice
        warnings.simplefilter("ignore", SAWarning)
        if timestamp is not None:
            submission = gb.update_or_create_submission(result.assignment, result.student, timestamp=timestamp)
        else:
            submission = gb.update_or_create_submission(result.assignment, result.student)
    for notebook, values in found["notebooks"].items():
        for name, score in values["grades"].items():
            grade = gb.find_grade(name, notebook, result.assignment, result.student)
            grade.auto_score = score
            grade.needs_manual_grade = grade.manual_score is not None or score is None
        for name, text in values["comments"].items():
            gb.find_comment(name, notebook, result.assignment, result.student).auto_comment = text
    penalize(late_assigner, submission)
    gb.db.commit()
