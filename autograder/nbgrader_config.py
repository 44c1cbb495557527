"""nbgrader configuration of the course.

The course folder is nbgrader's course root: instructor sources in solutions/, generated student
versions in notebooks/, and everything grading writes (gradebook, submissions, feedback, the
exchange) under autograder/. Cells run with the grading profile's time limit instead of nbgrader's
30 s default, which would stop every real fine-tune.
"""
import os
from pathlib import Path

from ftcourse.shared.profiles import PROFILES

COURSE = Path(__file__).resolve().parent.parent
WORKSPACE = COURSE / "autograder"
GRADING_PROFILE = os.environ.get("FTCOURSE_PROFILE", "ci")

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
# What students' runs write beside a notebook (models, checkpoints) is never released or collected.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", "runs"]
c.Execute.timeout = PROFILES[GRADING_PROFILE].cell_timeout if GRADING_PROFILE in PROFILES else 300
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
