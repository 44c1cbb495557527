"""`ftcourse grade --manual`: grading by hand from a terminal, into nbgrader's gradebook.

The same records the formgrader writes: a score goes to `Grade.manual_score` (which takes precedence
over the autograder's `auto_score`), a comment to `Comment.manual_comment` of the answer cell, and
`needs_manual_grade` is cleared as the formgrader clears it. For each cell the instructor sees the
question, the student's answer, the model answer from the instructor's source and the rubric
(`rubric.py`); points are checked against the cell's maximum. Every answer is saved at once, so a
session can stop anywhere (`q`, Ctrl-D) and the next one resumes: cells already graded by hand are
skipped unless `--regrade`. Naming a test cell (`--cell ex4_tests`) adjusts an autograded score the
same way, with the reason the grader gave shown beside the answer.
"""
from dataclasses import dataclass

from ..shared.catalogue import lesson as find_lesson
from ..shared.errors import CourseError
from .answers import solution_text  # noqa: F401 - also the model answer of `manual`
from .cells import answer_before, grade_id, nbgrader
from .workspace import cell_by_id, read_notebook


@dataclass
class Item:
    """One graded cell of one submission."""

    student: str
    assignment: str
    notebook: str
    cell: str  # grade_id of the graded cell
    max_score: float
    by_hand: bool  # an answer graded by hand (else an autograded test)
    comment_cell: str  # the answer cell whose comment holds the grader's comment
    auto_score: float = None
    manual_score: float = None
    needs_manual_grade: bool = False
    comment: str = None

    @property
    def done(self) -> bool:
        """Graded by hand already, or an unanswered open question nbgrader scored itself."""
        return self.manual_score is not None or (self.by_hand and not self.needs_manual_grade)

    @property
    def label(self) -> str:
        return f"{self.student} · {self.assignment} · {self.cell}"


def _comment_cell(released, cell: str, by_hand: bool) -> str:
    if by_hand or released is None:
        return cell
    index = next((i for i, c in enumerate(released.cells) if grade_id(c) == cell), None)
    answer = answer_before(released.cells, index) if index is not None else None
    return grade_id(answer) if answer is not None else None


def items(workspace, gb, assignment=None, student=None, cells=None, regrade=False) -> list:
    """The cells to grade, submission by submission: those graded by hand (default) or the named
    `cells` (any graded cell, autograded tests included); done ones only with `regrade`."""
    from nbgrader.api import MissingEntry

    try:
        assignments = [gb.find_assignment(find_lesson(assignment).name)] if assignment else gb.assignments
    except MissingEntry:
        raise CourseError(f"{assignment} was not graded in {workspace.root}: grade it first (`ftcourse grade`)") from None
    if student and student not in {s.id for s in gb.students}:
        raise CourseError(f"no student {student} in {workspace.root}: the gradebook has "
                          f"{', '.join(sorted(s.id for s in gb.students)[:10]) or 'no students'}")
    found = []
    for record in assignments:
        released = {nb.name: read_notebook(workspace.released(record.name)) for nb in record.notebooks}
        for submission in sorted(gb.assignment_submissions(record.name), key=lambda s: s.student.id):
            if student and submission.student.id != student:
                continue
            for notebook in submission.notebooks:
                for grade in sorted(notebook.grades, key=lambda g: _order(released.get(notebook.name), g.name)):
                    by_hand = _is_by_hand(grade)
                    if (cells and grade.name not in cells) or (not cells and not by_hand):
                        continue
                    comment_cell = _comment_cell(released.get(notebook.name), grade.name, by_hand)
                    comment = next((c.manual_comment for c in notebook.comments if c.name == comment_cell), None)
                    item = Item(submission.student.id, record.name, notebook.name, grade.name, grade.max_score,
                                by_hand, comment_cell, grade.auto_score, grade.manual_score,
                                grade.needs_manual_grade, comment)
                    if regrade or not item.done:
                        found.append(item)
    if cells:
        known = {i.cell for i in found} | {g.name for r in assignments for nb in r.notebooks for g in nb.grade_cells}
        unknown = sorted(set(cells) - known)
        if unknown:
            raise CourseError(f"no graded cell {', '.join(unknown)} in "
                              f"{assignment or 'any assignment'}: name a test or answer cell (e.g. ex1_tests, open1)")
    return found


def _is_by_hand(grade) -> bool:
    """A graded answer cell (markdown or code): nbgrader leaves these to a person."""
    return grade.cell.cell_type == "markdown" or any(s.name == grade.name for s in grade.cell.notebook.solution_cells)


def _order(released, name: str) -> int:
    if released is None:
        return 0
    return next((i for i, c in enumerate(released.cells) if grade_id(c) == name), len(released.cells))


def record(gb, item: Item, points: float, comment: str = None) -> None:
    """Save a score given by hand (checked against the cell's maximum) and, if given, a comment."""
    if not 0 <= points <= item.max_score:
        raise CourseError(f"{points:g} points for {item.label}: give between 0 and {item.max_score:g}")
    grade = gb.find_grade(item.cell, item.notebook, item.assignment, item.student)
    grade.manual_score = float(points)
    grade.needs_manual_grade = False  # as the formgrader does once a score is set
    if comment is not None:
        if item.comment_cell is None:
            raise CourseError(f"{item.label} has no answer cell before it to hold a comment: leave the comment out")
        gb.find_comment(item.comment_cell, item.notebook, item.assignment, item.student).manual_comment = comment or None
    gb.db.commit()
    item.manual_score, item.needs_manual_grade = float(points), False
    if comment is not None:
        item.comment = comment or None


def show(workspace, item: Item) -> str:
    """What the instructor reads before scoring: question, answer, model answer, rubric or the test's verdict."""
    from .audit import cell_failures
    from .rubric import load

    released = read_notebook(workspace.released(item.assignment))
    autograded = read_notebook(workspace.autograded(item.student, item.assignment))
    source = read_notebook(find_lesson(item.assignment).source)
    answer_id = item.cell if item.by_hand else item.comment_cell
    answer = cell_by_id(autograded, answer_id) or cell_by_id(read_notebook(
        workspace.submitted(item.student, item.assignment)), answer_id)
    model = cell_by_id(source, answer_id)
    parts = [f"question:\n{_indent(question(released, answer_id))}",
             f"answer of {item.student}:\n{_indent(answer.source if answer is not None else '(no such cell in the submission)')}",
             f"model answer:\n{_indent(solution_text(model.source) if model is not None else '(none)')}"]
    if item.by_hand:
        rubric = load(item.assignment).get(item.cell)
        parts.append("rubric:\n" + (rubric.describe() if rubric else "  (no rubric for this cell in the lesson's "
                                                                     "instructor/rubric.yaml)"))
    else:
        reasons = [f.split(": ", 1)[1] for f in cell_failures(workspace.autograded(item.student, item.assignment))
                   if f.startswith(f"{item.cell}: ")]
        parts.append("the grader's verdict:\n" + _indent("; ".join(reasons) or "passed"))
    now = (f"{item.manual_score:g} by hand" if item.manual_score is not None
           else "not graded yet" if item.needs_manual_grade or item.auto_score is None
           else f"{item.auto_score:g} from the autograder")
    parts.append(f"score now: {now} (out of {item.max_score:g})" + (f"; comment: {item.comment}" if item.comment else ""))
    return "\n".join(parts)


def question(released, answer_id: str) -> str:
    """The Markdown cell just before the answer cell: the question it answers."""
    cells = released.cells if released else []
    index = next((i for i, c in enumerate(cells) if grade_id(c) == answer_id), None)
    for cell in reversed(cells[:index] if index is not None else []):
        if cell.cell_type == "markdown" and not nbgrader(cell).get("grade"):
            return cell.source.strip()
    return "(not found)"


def _indent(text: str) -> str:
    return "\n".join("  " + line for line in str(text).strip().splitlines()) or "  (empty)"


class Quit(Exception):
    pass


def ask_points(item: Item, ask) -> float:
    """Points from the instructor, asked again until valid; None to skip; Quit to stop."""
    while True:
        answer = ask(f"points (0-{item.max_score:g}; Enter: skip, q: quit): ").strip()
        if answer.lower() in ("q", "quit"):
            raise Quit
        if not answer:
            return None
        try:
            points = float(answer.replace(",", "."))
        except ValueError:
            print(f"  {answer!r} is not a number of points")
            continue
        if 0 <= points <= item.max_score:
            return points
        print(f"  {points:g} is outside 0-{item.max_score:g}")


def ask_comment(item: Item, comments: tuple, ask) -> str:
    """A comment: typed, a ready-made one by its number, '-' to clear; Enter keeps the current one."""
    hint = f"1-{len(comments)}: a ready-made one, " if comments else ""
    answer = ask(f"comment ({hint}Enter: {'keep it' if item.comment else 'none'}, -: clear): ").strip()
    if not answer:
        return None  # nothing changes
    if answer == "-":
        return ""
    if answer.isdigit() and 1 <= int(answer) <= len(comments):
        return comments[int(answer) - 1]
    return answer


def session(workspace, assignment=None, student=None, cells=None, regrade=False, ask=input, out=print) -> dict:
    """Grade the selected cells one by one from the terminal; returns counts of graded, skipped, left."""
    from .rubric import load

    counts = {"graded": 0, "skipped": 0, "left": 0}
    with workspace.gradebook() as gb:
        todo = items(workspace, gb, assignment, student, cells, regrade)
        if not todo:
            out("nothing to grade by hand" + ("" if regrade else " (graded cells are skipped: --regrade shows them)"))
            return counts
        for number, item in enumerate(todo, 1):
            out(f"\n[{number}/{len(todo)}] {item.label} · {item.max_score:g} points "
                f"({'graded by hand' if item.by_hand else 'autograded test: your score replaces the grader'})")
            out(show(workspace, item))
            rubric = load(item.assignment).get(item.cell) if item.by_hand else None
            try:
                points = ask_points(item, ask)
                if points is None:
                    counts["skipped"] += 1
                    continue
                comment = ask_comment(item, rubric.comments if rubric else (), ask)
            except (Quit, EOFError):
                counts["left"] = len(todo) - number + 1
                out("\nstopped: what you graded is saved; run the same command to go on")
                break
            record(gb, item, points, comment)
            counts["graded"] += 1
            out(f"saved: {points:g} / {item.max_score:g}" + (f", comment: {item.comment}" if item.comment else ""))
    return counts


def set_score(workspace, assignment: str, student: str, cell: str, points: float, comment: str = None) -> Item:
    """Non-interactive: one cell's score (and comment) for one student, e.g. to adjust an autograded test."""
    with workspace.gradebook() as gb:
        found = [i for i in items(workspace, gb, assignment, student, [cell], regrade=True)]
        if not found:
            raise CourseError(f"{student} has no graded {cell} in {assignment}: check the names "
                              "(`ftcourse report` lists the assignments and cells)")
        record(gb, found[0], points, comment)
        return found[0]

