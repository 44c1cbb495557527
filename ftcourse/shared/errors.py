"""One exception type for problems a user can fix, so every entry point can show a one-line message."""


class CourseError(Exception):
    """A problem with the user's set-up; the message says what is wrong and how to fix it."""
