"""`ftcourse feedback`: feedback back to the students.

1. nbgrader's `generate_feedback` runs again for the chosen submissions, so the pages carry the
   scores and comments given by hand since autograding (the course's configuration leaves hidden
   tests out), and `grade._offline_feedback` strips the CDN scripts nbgrader's template loads.
2. One folder per student, `handback/<student>/`: each assignment's feedback page, and
   `scores.html` / `scores.csv` with every graded cell's points and the reason for each lost point
   (`breakdown.py`); and the same as `handback/<student>.zip`, for e-mail or an LMS upload.
3. With `release`, nbgrader's `release_feedback` puts the pages into the course's exchange, where
   the student's JupyterLab (Nbgrader > Assignment List) shows and fetches them. This needs the
   `submission_secret.txt` that `nbgrader submit` writes and `nbgrader collect` brings along; a
   submission that came another way (a zip of notebooks) is reported and handed back by zip only.

Folders and zips are written beside, then moved into place, so a failed run leaves the earlier
hand-back as it was.
"""
import csv
import html
import io
import os
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from ..shared.catalogue import lesson as find_lesson
from ..shared.errors import CourseError
from ..shared.paths import atomic_dir
from .breakdown import scores
from .grade import _offline_feedback
from .intake import COLLECTED

STYLE = ("body{font-family:sans-serif;max-width:60em;margin:2em auto;padding:0 1em}"
         "table{border-collapse:collapse;margin-bottom:2em}td,th{border:1px solid #ccc;padding:.3em .6em;"
         "text-align:left;vertical-align:top}.lost{color:#a00}")


@dataclass
class HandBack:
    student: str
    folder: Path
    archive: Path
    pages: list = field(default_factory=list)  # assignments with a feedback page
    released: list = field(default_factory=list)  # assignments released into the exchange
    notes: list = field(default_factory=list)


def regenerate(workspace, api, assignment: str, students: list, everyone: bool) -> list:
    """nbgrader's generate_feedback for these students' submissions (one call when they are all of
    them), made offline; notes for the pages that could not be generated."""
    notes = []
    for student in [None] if everyone else students:
        result = api.generate_feedback(assignment, student, force=True)
        if not result["success"]:
            reason = (result.get("error") or "see its log").strip().splitlines()[-1][:200]
            notes += [f"{s} {assignment}: nbgrader could not generate the feedback page ({reason})"
                      for s in ([student] if student else students)]
    for student in students:
        folder = workspace.feedback(student, assignment)
        if folder.is_dir():
            _offline_feedback(folder)
    return notes


def hand_back(workspace, assignments=None, students=None, release=False, exchange=None, log=print) -> list:
    """Regenerate the feedback and write one folder and zip per student (and release into the
    exchange when asked); the HandBack of each student."""
    with workspace.gradebook() as gb:
        chosen = [find_lesson(a).name for a in assignments] if assignments else [a.name for a in gb.assignments]
        known = {a.name for a in gb.assignments}
        missing = [a for a in chosen if a not in known]
        if missing:
            raise CourseError(f"no assignment {', '.join(missing)} in {workspace.root}: grade it first")
        submitted = {a: sorted(s.student.id for s in gb.assignment_submissions(a)) for a in chosen}
    everyone = sorted({s for names in submitted.values() for s in names})
    unknown = sorted(set(students or []) - set(everyone))
    if unknown:
        raise CourseError(f"no graded submission of {', '.join(unknown)} in {workspace.root}: "
                          f"the students are {', '.join(everyone) or 'none'}")
    students = sorted(students) if students else everyone
    overrides = {}
    if exchange:  # nbgrader releases only into an exchange root that exists
        Path(exchange).mkdir(parents=True, exist_ok=True)
        overrides["Exchange.root"] = str(Path(exchange).resolve())
    api = workspace.api(**overrides)
    notes = []
    for assignment in chosen:
        mine = [s for s in submitted[assignment] if s in students]
        notes += regenerate(workspace, api, assignment, mine, everyone=mine == submitted[assignment])

    results = []
    with workspace.gradebook() as gb:
        for student in students:
            result = _write_student(workspace, gb, student, [a for a in chosen if student in submitted[a]])
            result.notes += [n for n in notes if n.startswith(f"{student} ")]
            results.append(result)
    if release:
        for result in results:
            for assignment in result.pages:
                _release(workspace, api, result, assignment)
    for result in results:
        log(f"{result.student}: {result.archive.name}, {len(result.pages)} feedback page(s)"
            + (f", released: {', '.join(result.released) or 'none'}" if release else ""))
        for note in result.notes:
            log(f"  {note}")
    return results


def _write_student(workspace, gb, student: str, assignments: list) -> HandBack:
    target = workspace.root / "handback" / student
    result = HandBack(student, target, target.with_suffix(".zip"))
    rows = []
    with atomic_dir(target) as folder:
        for assignment in assignments:
            page = workspace.feedback(student, assignment) / f"{assignment}.html"
            if page.is_file():
                shutil.copy(page, folder / f"{assignment}.html")
                result.pages.append(assignment)
            else:
                result.notes.append(f"{student} {assignment}: no feedback page (see the grading notes)")
            submission = gb.find_submission(assignment, student)
            cells = scores(workspace, submission)
            penalty = float(submission.late_submission_penalty or 0.0)
            rows.append((assignment, submission, cells, penalty))
        (folder / "scores.csv").write_text(scores_csv(rows), encoding="utf-8", newline="")
        (folder / "scores.html").write_text(scores_page(student, rows), encoding="utf-8")
    _zip(target, result.archive)
    return result


def scores_csv(rows) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["assignment", "cell", "score", "max_score", "why points were lost", "comment"])
    for assignment, submission, cells, penalty in rows:
        for cell in cells:
            writer.writerow([assignment, cell.cell, f"{cell.score:g}", f"{cell.max_score:g}", cell.reason,
                             cell.comment])
        if penalty:
            writer.writerow([assignment, "late penalty", f"-{penalty:g}", "", "handed in after the due date", ""])
    return out.getvalue()


def scores_page(student: str, rows) -> str:
    e = html.escape
    parts = [f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>Scores of {e(student)}</title>"
             f"<style>{STYLE}</style></head><body><h1>Scores of {e(student)}</h1>"]
    for assignment, submission, cells, penalty in rows:
        total = sum(c.score for c in cells) - penalty
        top = sum(c.max_score for c in cells)
        waiting = sum(not c.graded for c in cells)
        parts.append(f"<h2>{e(assignment)}: {total:g} / {top:g}</h2>"
                     + (f"<p>{waiting} answer(s) still to be graded by hand.</p>" if waiting else "")
                     + (f"<p class='lost'>Late penalty: -{penalty:g}.</p>" if penalty else "")
                     + f"<p>Details: <a href='{e(assignment)}.html'>{e(assignment)} feedback page</a></p>"
                     "<table><tr><th>cell</th><th>points</th><th>why points were lost</th><th>comment</th></tr>")
        for cell in cells:
            lost = " class='lost'" if cell.reason else ""
            parts.append(f"<tr><td>{e(cell.cell)}</td><td>{cell.score:g} / {cell.max_score:g}</td>"
                         f"<td{lost}>{e(cell.reason)}</td><td>{e(cell.comment)}</td></tr>")
        parts.append("</table>")
    parts.append("</body></html>")
    return "".join(parts)


def _zip(folder: Path, archive: Path) -> None:
    with tempfile.NamedTemporaryFile(dir=archive.parent, prefix=f".{archive.name}.", delete=False) as fh:
        partial = Path(fh.name)
    try:
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as out:
            for path in sorted(folder.rglob("*")):
                if path.is_file():
                    out.write(path, Path(folder.name) / path.relative_to(folder))
        os.replace(partial, archive)
    finally:
        partial.unlink(missing_ok=True)


def _release(workspace, api, result: HandBack, assignment: str) -> None:
    folder = workspace.feedback(result.student, assignment)
    if not all((folder / name).is_file() for name in COLLECTED):
        result.notes.append(f"{assignment}: not released into the exchange: the submission did not come "
                            "through it (no submission_secret.txt from `nbgrader collect`); hand back the zip")
        return
    outcome = api.release_feedback(assignment, result.student)
    if outcome["success"]:
        result.released.append(assignment)
    else:
        reason = (outcome.get("error") or outcome.get("log") or "see nbgrader's log").strip().splitlines()[-1]
        result.notes.append(f"{assignment}: nbgrader could not release the feedback ({reason[:200]})")

