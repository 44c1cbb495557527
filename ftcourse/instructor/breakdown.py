"""What each graded cell of a submission scored, and why points were lost: the gradebook's scores
(autograded, or given by hand, which take precedence), the grader's verdict written into the
autograded notebook's test cell (`audit.cell_failures`), and the grader's comments. The feedback
hand-back (`release.py`) and the item analysis (`report.py`) read submissions through this."""
from dataclasses import dataclass

from .audit import cell_failures
from .cells import answer_before, grade_id
from .workspace import cell_by_id, read_notebook


@dataclass(frozen=True)
class CellScore:
    cell: str  # grade_id of the graded cell
    score: float
    max_score: float
    by_hand: bool  # an answer graded by a person (else an autograded test)
    answered: bool  # the student changed the answer cell from the student version
    reason: str  # why points were lost ("" when none were)
    graded: bool = True  # False: waiting to be graded by hand
    comment: str = ""  # the grader's comment on the answer cell

    @property
    def passed(self) -> bool:
        return self.graded and self.score >= self.max_score


def answer_cell(released, cell: str, by_hand: bool):
    """The answer cell a graded cell judges: itself (graded by hand) or the answer before the test."""
    cells = released.cells if released else []
    index = next((i for i, c in enumerate(cells) if grade_id(c) == cell), None)
    if index is None:
        return None
    return cells[index] if by_hand else answer_before(cells, index)


def scores(workspace, submission) -> list:
    """CellScore of every graded cell of a gradebook submission (an nbgrader SubmittedAssignment), in
    notebook order."""
    student, assignment = submission.student.id, submission.assignment.name
    released = read_notebook(workspace.released(assignment))
    autograded_path = workspace.autograded(student, assignment)
    autograded = read_notebook(autograded_path)
    verdicts = {}
    for line in cell_failures(autograded_path):
        cell, _, reason = line.partition(": ")
        verdicts.setdefault(cell, reason)
    order = {grade_id(c): i for i, c in enumerate(released.cells)} if released else {}
    found = []
    for notebook in submission.notebooks:
        comments = {c.name: (c.manual_comment or "") for c in notebook.comments}
        auto_comments = {c.name: (c.auto_comment or "") for c in notebook.comments}
        solutions = {s.name for s in notebook.notebook.solution_cells}
        for grade in sorted(notebook.grades, key=lambda g: order.get(g.name, len(order))):
            by_hand = grade.name in solutions
            given = answer_cell(released, grade.name, by_hand)
            submitted = cell_by_id(autograded, grade_id(given)) if given is not None else None
            answered = submitted is not None and given is not None and submitted.source.strip() != given.source.strip()
            comment = comments.get(grade_id(given) if given is not None else grade.name, "")
            graded = not grade.needs_manual_grade
            score = float(grade.score or 0.0)
            reason = ""
            if not graded:
                reason = "waiting to be graded by hand"
            elif score < grade.max_score:
                if grade.manual_score is not None:
                    reason = comment or "graded by hand"
                elif by_hand:
                    reason = auto_comments.get(grade.name) or "no answer"
                else:
                    reason = verdicts.get(grade.name) or "the test lost points"
            found.append(CellScore(grade.name, score, float(grade.max_score), by_hand, answered, reason, graded,
                                   comment))
    return found
