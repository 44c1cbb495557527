"""`ftcourse export`: the gradebook as CSV for nbgrader, Canvas and Moodle, with every bad row reported.

Scores come from nbgrader's gradebook (`Gradebook`, scores by hand taking precedence over the
autograder's) less nbgrader's late penalties. With due dates (`--due`), `late.py` sets them in the
gradebook and recomputes each submission's penalty as nbgrader's `AssignLatePenalties` does, so the
three files agree. One file per form, in `<workspace>/export/`:

- `nbgrader.csv`: exactly what `nbgrader export` writes (`CsvExportPlugin`: one row per student and
  assignment: assignment, duedate, timestamp, student_id, last_name, first_name, email, raw_score,
  late_submission_penalty, score, max_score).
- `canvas.csv`: Canvas's Gradebook import. Canvas reads the columns `Student`, `ID`, `SIS User ID`,
  `SIS Login ID`, `Section` (a student is found by ID, SIS User ID or SIS Login ID; Student Name
  alone is not enough), then one column per assignment; a column whose name matches no assignment
  creates one. Its own export puts a `Points Possible` row under the header, which the import reads
  and skips (Canvas Instructor Guide, "How do I import grades in the Gradebook?",
  https://community.canvaslms.com/t5/Instructor-Guide/How-do-I-import-grades-in-the-Gradebook/ta-p/807;
  the required columns as summarised by Ohio State's guide,
  https://teaching.resources.osu.edu/toolsets/carmencanvas/guides/calculating-final-grades/import-csv-file-carmen-grades).
  `ID` is the student's Canvas user id when the roster gives it (nbgrader's `lms_user_id`).
- `moodle.csv`: Moodle's CSV grade import, whose format "is the same as the corresponding export
  format" (MoodleDocs, Grade import, https://docs.moodle.org/311/en/Grade_import): the user columns
  of Moodle's plain-text export (`First name`, `Last name`, `ID number`, `Institution`,
  `Department`, `Email address`) then one `Manual item: <name> (Real)` column per assignment. On
  import the instructor maps "ID number" (or "Email address") to the user and each column to a grade
  item; Moodle keeps the points possible on the grade item, so the export prints each assignment's
  maximum to set there.

Bad rows are never dropped silently: a student in the gradebook but not in the roster, a roster
student with no submission (0, nbgrader's rule), a submission with answers still to grade by hand
(left blank in the LMS files until graded) and malformed roster lines are listed in `problems.csv`
and printed.
"""
import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from ..shared.errors import CourseError
from ..shared.paths import write_atomic

ROSTER_COLUMNS = ("student_id", "first_name", "last_name", "email", "lms_user_id", "section")
CANVAS_IDENTITY = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
MOODLE_IDENTITY = ["First name", "Last name", "ID number", "Institution", "Department", "Email address"]


@dataclass
class Person:
    student_id: str
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    lms_user_id: str = ""
    section: str = ""


@dataclass
class Grades:
    """The class's scores as the LMS files carry them."""

    assignments: list  # (name, points possible)
    people: list  # Person, in export order
    scores: dict = field(default_factory=dict)  # (student, assignment) -> score after penalty, or None
    problems: list = field(default_factory=list)  # (student, assignment, what)


def read_roster(path: Path) -> tuple:
    """Persons from a roster CSV (header with `student_id`, optional names, email, lms_user_id,
    section) and the problems of its malformed lines."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except OSError as err:
        raise CourseError(f"cannot read the roster {path} ({err.strerror}): pass a CSV file") from None
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or "student_id" not in reader.fieldnames:
        raise CourseError(f"{path}: the roster needs a header with student_id "
                          f"(and any of {', '.join(ROSTER_COLUMNS[1:])})")
    people, problems, seen = [], [], set()
    for number, row in enumerate(reader, 2):
        student = (row.get("student_id") or "").strip()
        if not student:
            problems.append(("", "", f"roster line {number}: no student_id: left out"))
        elif student in seen:
            problems.append((student, "", f"roster line {number}: {student} is listed twice: the first line is used"))
        else:
            seen.add(student)
            people.append(Person(**{k: (row.get(k) or "").strip() for k in ROSTER_COLUMNS}))
    return people, problems


def collect(gb, roster=None) -> Grades:
    """The scores of every student and assignment in nbgrader's gradebook; with a roster (from
    `read_roster`), its students, their names written into the gradebook."""
    from nbgrader.api import MissingEntry

    assignments = [(a.name, float(a.max_score)) for a in sorted(gb.assignments, key=lambda a: a.name)]
    graded = {s.id for s in gb.students}
    problems = []
    if roster is None:
        people = [Person(s.id, s.first_name or "", s.last_name or "", s.email or "", s.lms_user_id or "")
                  for s in sorted(gb.students, key=lambda s: s.id)]
    else:
        people, problems = roster
        for person in people:  # the roster's names and LMS ids into nbgrader's gradebook too
            gb.update_or_create_student(person.student_id, **{k: getattr(person, k) or None for k in
                                                              ("first_name", "last_name", "email", "lms_user_id")})
        listed = {p.student_id for p in people}
        problems = list(problems) + [(s, "", "in the gradebook but not in the roster: left out of canvas.csv "
                                             "and moodle.csv (kept in nbgrader.csv)") for s in sorted(graded - listed)]
    grades = Grades(assignments, people, problems=problems)
    for person in people:
        for name, _ in assignments:
            try:
                submission = gb.find_submission(name, person.student_id)
            except MissingEntry:
                grades.scores[(person.student_id, name)] = 0.0
                grades.problems.append((person.student_id, name, "no submission: exported as 0"))
                continue
            waiting = sum(g.needs_manual_grade for nb in submission.notebooks for g in nb.grades)
            if waiting:
                grades.scores[(person.student_id, name)] = None
                grades.problems.append((person.student_id, name, f"{waiting} answer(s) still to be graded by hand "
                                        "(`ftcourse grade --manual`): left blank in canvas.csv and moodle.csv"))
            else:
                penalty = float(submission.late_submission_penalty or 0.0)
                grades.scores[(person.student_id, name)] = max(0.0, float(submission.score) - penalty)
    return grades


def _number(value) -> str:
    return "" if value is None else f"{value:g}"


def _csv(rows) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def canvas_csv(grades: Grades) -> str:
    names = [name for name, _ in grades.assignments]
    rows = [CANVAS_IDENTITY + names,
            ["Points Possible", "", "", "", ""] + [f"{points:g}" for _, points in grades.assignments]]
    for p in grades.people:
        display = f"{p.last_name}, {p.first_name}" if p.last_name and p.first_name else (p.last_name or p.first_name
                                                                                          or p.student_id)
        rows.append([display, p.lms_user_id, p.student_id, p.student_id, p.section]
                    + [_number(grades.scores[(p.student_id, n)]) for n in names])
    return _csv(rows)


def moodle_csv(grades: Grades) -> str:
    names = [name for name, _ in grades.assignments]
    rows = [MOODLE_IDENTITY + [f"Manual item: {n} (Real)" for n in names]]
    for p in grades.people:
        rows.append([p.first_name, p.last_name, p.student_id, "", "", p.email]
                    + [_number(grades.scores[(p.student_id, n)]) for n in names])
    return _csv(rows)


def problems_csv(grades: Grades) -> str:
    return _csv([["student", "assignment", "problem"]] + [list(p) for p in grades.problems])


def export(workspace, out_dir=None, roster=None, due=None, penalty=None, percent_per_day=None, log=print) -> Grades:
    """Write nbgrader.csv, canvas.csv, moodle.csv and problems.csv; with `due` ({assignment: date}),
    set the due dates and recompute the late penalties first (`penalty`: 'zero' or 'per_day')."""
    from nbgrader.api import MissingEntry
    from nbgrader.plugins.export import CsvExportPlugin

    from . import late
    from .config import grading_config

    out_dir = Path(out_dir) if out_dir else workspace.root / "export"
    people = read_roster(roster) if roster else None
    if penalty and not due:
        raise CourseError("a late penalty needs due dates: add --due ASSIGNMENT=DATE")
    with workspace.gradebook() as gb:
        if due:
            from ..shared.catalogue import lesson

            try:
                late.set_due_dates(gb, {lesson(a).name: when for a, when in due.items()})
            except MissingEntry as err:
                raise CourseError(f"no such assignment in {workspace.root} ({err}): grade it before setting its "
                                  "due date") from None
            for student, assignment, seconds, lost in late.apply(gb, grading_config(workspace.settings()),
                                                                   penalty, percent_per_day):
                log(f"late: {student} {assignment}: {seconds / 3600:.1f} h after the due date, -{lost:g} points")
        grades = collect(gb, people)
        out_dir.mkdir(parents=True, exist_ok=True)
        partial = out_dir / ".nbgrader.csv.partial"
        CsvExportPlugin(to=str(partial)).export(gb)
    partial.replace(out_dir / "nbgrader.csv")
    write_atomic(out_dir / "canvas.csv", canvas_csv(grades))
    write_atomic(out_dir / "moodle.csv", moodle_csv(grades))
    write_atomic(out_dir / "problems.csv", problems_csv(grades))
    log(f"wrote nbgrader.csv, canvas.csv, moodle.csv in {out_dir} ({len(grades.people)} students, "
        f"{len(grades.assignments)} assignments)")
    log("points possible (Moodle keeps them on its grade items): "
        + ", ".join(f"{n} {p:g}" for n, p in grades.assignments))
    if grades.problems:
        log(f"{len(grades.problems)} row(s) to look at (also in problems.csv):")
        for student, assignment, what in grades.problems:
            log(f"  {student or '-'} {assignment or '-'}: {what}")
    return grades
