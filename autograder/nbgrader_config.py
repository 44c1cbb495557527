"""nbgrader configuration of the course.

The course folder is nbgrader's course root: instructor sources in solutions/, generated student
versions in notebooks/, and everything grading writes (gradebook, submissions, feedback, the
exchange) under autograder/. Cells run with the time limit of the run's settings
(`ftcourse.shared.settings.RunSettings`: the job's settings file when a grading run started this,
else the profile of $FTCOURSE_PROFILE, ci by default) instead of nbgrader's 30 s default, which
would stop every real fine-tune. An unknown profile stops here with the valid names.
"""
from pathlib import Path

from ftcourse.shared.settings import RunSettings

COURSE = Path(__file__).resolve().parent.parent
WORKSPACE = COURSE / "autograder"
SETTINGS = RunSettings.current()

c = get_config()  # noqa: F821 (injected by traitlets when nbgrader loads this file)
c.CourseDirectory.course_id = "ftcourse"
c.CourseDirectory.root = str(COURSE)
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "notebooks"
c.CourseDirectory.submitted_directory = "autograder/submitted"
c.CourseDirectory.autograded_directory = "autograder/autograded"
c.CourseDirectory.feedback_directory = "autograder/feedback"
c.CourseDirectory.db_url = f"sqlite:///{WORKSPACE / 'gradebook.db'}"
c.Exchange.root = str(WORKSPACE / "exchange")
# Never released or collected: what students' runs write beside a notebook (models, checkpoints),
# and the instructor-only folder of each lesson (reference variants, mutants, rubrics).
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", "runs", "instructor",
                            ".ftcourse"]
c.Execute.timeout = SETTINGS.timeout
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
