"""ftcourse: the support package of the fine-tuning course.

Roles: `shared` (assets, data, profiles, metrics) underlies everything; `student` holds what lesson
notebooks call; `quiz` holds the practice quizzes (notebook and terminal); `instructor` builds and
validates assignments; `runner` runs the course end to end; `cli` is the `ftcourse` terminal command.
"""
from . import quiz
from .shared.errors import CourseError
from .student.results import record_result
from .student.setup import Course, setup

__all__ = ["Course", "CourseError", "quiz", "record_result", "setup"]
