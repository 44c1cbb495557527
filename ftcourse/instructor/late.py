"""Late penalties, nbgrader's way: `AssignLatePenalties` and its late-submission plugin.

nbgrader computes a notebook's penalty when it autogrades it, from the assignment's due date (plus
the student's extension) and the submission's time (`timestamp.txt`, written by `nbgrader submit`).
Due dates set later, and scores given by hand after autograding, would leave stale penalties; so
`apply` recomputes every submission's penalty exactly as `AssignLatePenalties` does (the plugin's
penalty, clamped to 0..score) from the gradebook as it is now. `PerDayPenalty` adds a method to
nbgrader's `LateSubmissionPlugin` ('none', 'zero'): a share of the score per started day late.
"""
import math

from traitlets import Enum, Float

from nbgrader.plugins import LateSubmissionPlugin

from ..shared.errors import CourseError


class PerDayPenalty(LateSubmissionPlugin):
    """nbgrader's methods, and 'per_day': `percent_per_day` of the score for each started day late."""

    penalty_method = Enum(("none", "zero", "per_day"), default_value="none",
                          help="'none', 'zero' (nbgrader's), or 'per_day': percent_per_day of the score "
                               "for every started day late").tag(config=True)
    percent_per_day = Float(10.0, help="with 'per_day': the share of the score lost per day late").tag(config=True)

    def late_submission_penalty(self, student_id, score, total_seconds_late):
        if self.penalty_method == "per_day":
            days = math.ceil(total_seconds_late / 86400)
            return min(score, score * self.percent_per_day / 100 * days)
        return super().late_submission_penalty(student_id, score, total_seconds_late)


def set_due_dates(gb, due: dict) -> None:
    """{assignment: 'YYYY-MM-DD HH:MM[:SS] [TZ]'} into the gradebook (nbgrader parses them as it does
    for `nbgrader db assignment add --duedate`; without a zone, UTC)."""
    from nbgrader.utils import parse_utc

    for assignment, when in due.items():
        gb.find_assignment(assignment)  # MissingEntry for an unknown one: the caller names the fix
        try:
            gb.update_or_create_assignment(assignment, duedate=parse_utc(when))
        except (ValueError, OverflowError) as err:
            raise CourseError(f"due date {when!r} of {assignment} is not a date ({err}): "
                              "write it as 2025-10-31 23:59 or 2025-10-31T23:59:00+02:00") from None


def assigner(config, method: str = None, percent_per_day: float = None):
    """nbgrader's AssignLatePenalties with the configured plugin (or `PerDayPenalty` with `method`)."""
    from nbgrader.preprocessors import AssignLatePenalties

    found = AssignLatePenalties(config=config)
    if method is not None:
        found.plugin_class = PerDayPenalty
    found.init_plugin()
    if method is not None:
        found.plugin_inst.penalty_method = method
        if percent_per_day is not None:
            found.plugin_inst.percent_per_day = float(percent_per_day)
    return found


def penalize(assigner, submission) -> float:
    """Set each notebook's late penalty of one submission as AssignLatePenalties does, from the
    gradebook as it is now; the submission's total penalty (no commit)."""
    seconds = submission.total_seconds_late
    total = 0.0
    for notebook in submission.notebooks:
        notebook.late_submission_penalty = None
        if seconds > 0:
            penalty = assigner.plugin_inst.late_submission_penalty(submission.student.id, notebook.score, seconds)
            if penalty is not None:
                notebook.late_submission_penalty = assigner._check_late_penalty(notebook, penalty)
                total += notebook.late_submission_penalty
    return total


def apply(gb, config, method: str = None, percent_per_day: float = None) -> list:
    """Recompute every submitted notebook's late penalty (as AssignLatePenalties does, with the
    configured plugin, or `PerDayPenalty` with `method`); the (student, assignment, seconds late,
    penalty) of every late submission."""
    late_assigner = assigner(config, method, percent_per_day)
    late = []
    for assignment in gb.assignments:
        for submission in gb.assignment_submissions(assignment.name):
            total = penalize(late_assigner, submission)
            if submission.total_seconds_late > 0:
                late.append((submission.student.id, assignment.name, submission.total_seconds_late, total))
    gb.db.commit()
    return late
