"""A student's function, called where nothing else runs:
`python -I -m ftcourse.instructor.isolated READ_FD WRITE_FD`, started by the grader in the sandbox.

The grader's trusted checks never call a student's code in their own process. When a test calls a
function the student wrote (a `compute_metrics`, a formula, a bootstrap), the call travels here as
plain data: this process runs the exercise's answer cell once, on its own, with the lesson's
set-up (`course`, `profile` and whatever the lesson's `ANSWER_CONTEXT` offers), then calls the
function on the grader's inputs and sends back plain values. Anything else the answer returns, and
anything it prints, never reaches the grader. An input that is one of the lesson's own objects (a
base model the lesson offers with `portable.offer`) travels as its name, and this process passes
its own copy, built from `ANSWER_CONTEXT`.
"""
import contextlib
import importlib
import io
import os
import sys

from ..shared.portable import Offered, Unportable, decode, encode
from .cells import free_names
from .channel import Channel, ChannelClosed

SETUP_NAMES = {"course", "profile"}


def failure(err: BaseException) -> str:
    text = str(err).strip().splitlines()[0][:200] if str(err).strip() else ""
    return f"{type(err).__name__}: {text}" if text else type(err).__name__


def lesson_builders(lesson: str) -> dict:
    """The lesson's `ANSWER_CONTEXT`: name -> builder taking the course set-up."""
    try:
        checks = importlib.import_module(f"ftcourse.lessons.{lesson[3:]}.checks")
        return dict(getattr(checks, "ANSWER_CONTEXT", {}))
    except ImportError:
        return {}


def context(lesson: str, profile: str, source: str) -> dict:
    """The names the answer cell may use besides its own: the course's set-up, if it reads it."""
    builders = lesson_builders(lesson)
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


def resolve_offered(values, lesson: str, profile: str, namespace: dict):
    """`values` (a call's args or kwargs) with each `Offered` stand-in replaced by this process's own
    copy of the lesson's object of that name (built once, from `ANSWER_CONTEXT`)."""
    built = namespace.setdefault("__offered__", {})

    def real(value):
        if not isinstance(value, Offered):
            return value
        if value.name not in built:
            builders = lesson_builders(lesson)
            if value.name not in builders:
                raise Unportable(f"the lesson offers no {value.name!r}")
            if "course" not in namespace:
                from ..student.setup import prepare

                course = prepare(profile)
                namespace.update(course=course, profile=course.profile)
            built[value.name] = builders[value.name](namespace["course"])
        return built[value.name]

    if isinstance(values, dict):
        return {key: real(value) for key, value in values.items()}
    return [real(value) for value in values]


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
            args = resolve_offered(decode(message.get("args", [])), start["lesson"], start["profile"], namespace)
            kwargs = resolve_offered(decode(message.get("kwargs", {})), start["lesson"], start["profile"], namespace)
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
