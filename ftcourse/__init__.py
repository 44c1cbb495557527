"""ftcourse: the support package of the fine-tuning course.

Roles: `shared` (assets, data, profiles, metrics) underlies everything; `student` holds what lesson
notebooks call; `runner` runs the course end to end; `cli` is the `ftcourse` terminal command.
"""
from .shared.errors import CourseError
from .student.setup import Course, setup

__all__ = ["Course", "CourseError", "setup"]
