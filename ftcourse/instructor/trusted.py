"""The grader's trusted checks: `python -I -m ftcourse.instructor.trusted READ_FD WRITE_FD`.

No student code runs in this process. It receives, from the autograding process, each test cell's
source as the instructor wrote it (visible and hidden parts) and the folder where the student's
kernel exported the values that test reads. For each test it rebuilds those values from data
(`ftcourse.shared.portable`), sets `course` and `profile` itself, and runs the test's code. A
student's function is a proxy: calling it asks the autograding process to call the function in
an isolated process (`isolated.py`), and only plain values come back. The verdicts (passed, or the
error the test raised) go back to the autograding process, which writes them into the notebook.
"""
import contextlib
import io
import os
import signal
import sys
import tempfile
from pathlib import Path

from ..shared import portable
from .cells import TRUSTED_NAMES, free_names
from .channel import Channel

OUTPUT_LIMIT = 20_000  # characters of a test's own printed output kept


class AnswerFailed(Exception):
    """A student's function failed, timed out or returned what the grader cannot read."""


class ExportRejected(Exception):
    """The values a test needs were missing, malformed or too large."""


class CheckTimedOut(Exception):
    """A check ran past the grading time limit."""


class Proxy:
    """Stands for a student's function: each call runs it in the isolated process of its answer cell."""

    def __init__(self, channel: Channel, test: int, name: str):
        self.channel, self.test, self.__name__ = channel, test, name

    def __call__(self, *args, **kwargs):
        try:
            message = {"op": "call", "test": self.test, "function": self.__name__,
                       "args": portable.encode(list(args)), "kwargs": portable.encode(kwargs)}
        except portable.Unportable as err:
            raise AnswerFailed(f"the grader could not pass its inputs to {self.__name__} ({err})") from None
        left = signal.alarm(0)  # the grader limits the call itself: the check's clock waits meanwhile
        try:
            self.channel.send(message)
            reply = self.channel.receive()
        finally:
            signal.alarm(left) if left else None
        if not reply.get("ok"):
            raise AnswerFailed(str(reply.get("error", f"{self.__name__}(...) failed")))
        return portable.decode(reply.get("value"))

    def __repr__(self):
        return f"<function {self.__name__} (student's code, run in isolation)>"


def _alarm(signum, frame):
    raise CheckTimedOut


def load_needs(test: dict, index: int, channel: Channel) -> dict:
    """The student's values this test reads, rebuilt from its export folder."""
    folder = Path(test["export"])
    meta_file = folder / "values.json"
    if not meta_file.exists() and not meta_file.is_symlink():
        raise ExportRejected("this test's values were never exported: the notebook stopped, or was changed, "
                             "before this test cell ran")
    try:
        portable.check_folder(folder)
        meta = portable.read_json(meta_file)
        records = meta.get("records") if isinstance(meta, dict) else None
        if not isinstance(records, dict):
            raise portable.Unportable("values.json holds no records")
        loader = portable.Loader(folder / "values", records)
        found = {}
        for name in test["needs"]:
            if name not in records:
                raise portable.Unportable(f"{name} was not exported")
            record = records[name]
            if isinstance(record, dict) and record.get("kind") in ("missing", "error"):
                raise ExportRejected(str(record.get("error") or f"{name} could not be exported"))
            try:
                value = loader.value(name)
            except portable.Unportable as err:
                raise ExportRejected(f"{name} could not be read back from the kernel's export: {err}") from None
            found[name] = Proxy(channel, index, name) if isinstance(value, portable.FunctionRef) else value
        return found
    except portable.Unportable as err:
        raise ExportRejected(f"the values exported for this test could not be read: {err}") from None


def run_test(test: dict, index: int, channel: Channel, base: dict, key: bytes, timeout: int) -> dict:
    from ..student import checks

    verdict = {"id": test["id"], "variant": test.get("variant"), "passed": False}
    output = io.StringIO()
    here = os.getcwd()
    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(max(1, timeout))
    try:
        namespace = {"__name__": "__test__", **base, **load_needs(test, index, channel)}
        files = Path(test["export"]) / "files"
        os.chdir(files if files.is_dir() else tempfile.mkdtemp(prefix="ftcourse-test-"))
        checks.use_unseen_key(key, f"{test['assignment']}/{test['id']}")
        with contextlib.redirect_stdout(output), contextlib.redirect_stderr(io.StringIO()):
            exec(compile(test["source"], f"<test {test['id']}>", "exec"), namespace)  # noqa: S102 - trusted code
        verdict["passed"] = True
    except CheckTimedOut:
        verdict.update(ename="CheckTimedOut", evalue=f"the check did not finish within {timeout} s")
    except BaseException as err:  # noqa: BLE001 - every failure is this test's verdict
        text = str(err).strip()
        verdict.update(ename=type(err).__name__, evalue=text.splitlines()[0][:400] if text else "")
    finally:
        signal.alarm(0)
        os.chdir(here)
    verdict["output"] = output.getvalue()[:OUTPUT_LIMIT]
    return verdict


def main(read_fd: int, write_fd: int) -> None:
    channel = Channel(read_fd, write_fd)
    job = channel.receive()
    base = {}
    if any(free_names(test["source"]) & TRUSTED_NAMES for test in job["tests"]):
        from ..student.setup import prepare

        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            course = prepare(job["profile"])
        base = {"course": course, "profile": course.profile}
    key = bytes.fromhex(job["key"])
    verdicts = []
    for index, test in enumerate(job["tests"]):
        verdicts.append(run_test({**test, "assignment": job["assignment"]}, index, channel, base, key,
                                 job["timeout"]))
    channel.send({"op": "done", "verdicts": verdicts})


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
