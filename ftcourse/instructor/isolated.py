"""A student's function, called where nothing else runs:
`python -I -m ftcourse.instructor.isolated READ_FD WRITE_FD`, started by the grader in the sandbox.

The grader's trusted checks never call a student's code in their own process. When a test calls a
function the student wrote (a `compute_metrics`, a formula, a bootstrap), the call travels here as
plain data: this process runs the exercise's answer cell once, on its own, with the lesson's
set-up (`course`, `profile` and whatever the lesson's `ANSWER_CONTEXT` offers), then calls the
function on the grader's inputs and sends back plain values. Anything else the answer returns, and
anything it prints, never reaches the grader.
"""
import contextlib
import importlib
import io
import os
import sys

from ..shared.portable import Unportable, decode, encode
from .cells import free_names
from .channel import Channel, ChannelClosed

SETUP_NAMES = {"course", "profile"}


def failure(err: BaseException) -> str:
    text = str(err).strip().splitlines()[0][:200] if str(err).strip() else ""
    return f"{type(err).__name__}: {text}" if text else type(err).__name__


def context(lesson: str, profile: str, source: str) -> dict:
    """The names the answer cell may use besides its own: the course's set-up, if it reads it."""
    try:
        checks = importlib.import_module(f"ftcourse.lessons.{lesson[3:]}.checks")
        builders = dict(getattr(checks, "ANSWER_CONTEXT", {}))
    except ImportError:
        builders = {}
    wanted = free_names(source)
    namespace = {"__name__": "__main__"}
    if wanted & (SETUP_NAMES | set(builders)):
        from ..student.setup import prepare

        course = prepare(profile)
        namespace.update(course=course, profile=course.profile)
        for name in wanted & set(builders):
            namespace[name] = builders[name](course)
    elif "evaluate" in source:  # evaluate.load(...) finds the course's offline metrics
        from ..shared import metrics
        from ..student.setup import go_offline

        go_offline()
        metrics.install()
    return namespace


def main(read_fd: int, write_fd: int) -> None:
    channel = Channel(read_fd, write_fd)
    start = channel.receive()
    sink = io.StringIO()
    with open(os.devnull, "w") as devnull:
        os.dup2(devnull.fileno(), 1)  # what the student's code prints goes nowhere
        os.dup2(devnull.fileno(), 2)
    try:
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            namespace = context(start["lesson"], start["profile"], start["source"])
            exec(compile(start["source"], "<answer cell>", "exec"), namespace)  # noqa: S102 - sandboxed on purpose
    except BaseException as err:  # noqa: BLE001 - the answer's failure is its test's failure
        channel.send({"ok": False, "error": f"running the answer cell on its own raised {failure(err)}"})
        return
    channel.send({"ok": True})
    while True:
        try:
            message = channel.receive()
        except ChannelClosed:
            return
        name = message.get("function")
        function = namespace.get(name)
        if not callable(function):
            channel.send({"ok": False, "error": f"the answer cell, run on its own, defines no function {name}"})
            continue
        try:
            args, kwargs = decode(message.get("args", [])), decode(message.get("kwargs", {}))
            sink.seek(0)
            sink.truncate()
            with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
                result = function(*args, **kwargs)
        except BaseException as err:  # noqa: BLE001
            channel.send({"ok": False, "error": f"{name}(...) raised {failure(err)}"})
            continue
        try:
            channel.send({"ok": True, "value": encode(result)})
        except Unportable as err:
            channel.send({"ok": False, "error": f"{name}(...) returned something the grader cannot read ({err})"})


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
