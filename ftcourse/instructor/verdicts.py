"""Verdicts from outside the student's kernel: the autograding process's side of the trusted checks.

`decide` starts the trusted checks (`trusted.py`) in a fresh sandboxed process with read-only
access to the notebook's folder, hands it each test's instructor-written source and export folder,
and answers its requests to call a student's function by running that function's answer cell in
an isolated process of its own (`isolated.py`), one per answer cell, reused across calls. It
returns one verdict per test; a check that could not run is a failed verdict with the reason.
"""
import sys
from pathlib import Path

from . import sandbox
from .channel import ChannelClosed, pipes

START_LIMIT = 300  # seconds for a process to import, set up and run an answer cell once


class Runner:
    """The isolated process of one answer cell."""

    def __init__(self, source: str, lesson: str, settings, scratch: Path):
        self.error = None
        self.channel, child = pipes()
        folder = Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        argv = sandbox.python_module("ftcourse.instructor.isolated", *child)
        self.process = sandbox.spawn(argv, folder, settings, folder.with_suffix(".log"), pass_fds=child)
        for fd in child:
            _close(fd)
        self.timeout = settings.timeout
        try:
            self.channel.send({"source": source, "lesson": lesson, "profile": settings.profile})
            reply = self.channel.receive(timeout=max(START_LIMIT, self.timeout))
            if not reply.get("ok"):
                self.error = str(reply.get("error"))
        except (TimeoutError, ChannelClosed, OSError):
            self.error = "running the answer cell on its own did not finish (it took too long or its process died)"

    dead = False  # after a call that timed out or ended the process: the next call needs a new one

    def call(self, message: dict) -> dict:
        name = message.get("function")
        if self.error:
            return {"ok": False, "error": self.error}
        try:
            self.channel.send({"function": name, "args": message.get("args", []),
                               "kwargs": message.get("kwargs", {})})
            return self.channel.receive(timeout=self.timeout)
        except TimeoutError:
            error = f"{name}(...) did not return within {self.timeout} s"
        except (ChannelClosed, OSError):
            error = f"{name}(...) ended the process it ran in"
        self.dead = True
        self.stop()
        return {"ok": False, "error": error}

    def stop(self) -> None:
        _kill(self.process)
        self.channel.close()


def decide(tests: list, job: dict, workdir: Path, settings, scratch: Path) -> list:
    """One verdict per test of `tests` (dicts with id, variant, export, source, needs, answer)."""
    channel, child = pipes()
    argv = sandbox.python_module("ftcourse.instructor.trusted", *child)
    log = Path(scratch) / "trusted.log"
    Path(scratch).mkdir(parents=True, exist_ok=True)
    process = sandbox.spawn(argv, workdir, settings, log, workdir_writable=False, pass_fds=child)
    for fd in child:
        _close(fd)
    runners, retired = {}, []
    try:
        channel.send({**job, "tests": [{k: t[k] for k in ("id", "variant", "export", "source", "needs")}
                                       for t in tests]})
        while True:
            message = channel.receive(timeout=START_LIMIT + settings.timeout * (len(tests) + 1))
            if message.get("op") == "done":
                verdicts = message.get("verdicts")
                if isinstance(verdicts, list) and len(verdicts) == len(tests):
                    return verdicts
                break
            if message.get("op") == "call" and isinstance(message.get("test"), int) \
                    and 0 <= message["test"] < len(tests):
                source = tests[message["test"]]["answer"]
                if source not in runners or runners[source].dead:
                    if source in runners:
                        retired.append(runners[source])
                    runners[source] = Runner(source, job["assignment"], settings,
                                             Path(scratch) / f"answer-{len(runners) + len(retired)}")
                channel.send(runners[source].call(message))
            else:
                break
    except (TimeoutError, ChannelClosed, OSError):
        pass
    finally:
        for runner in runners.values():
            runner.stop()
        for runner in retired:
            runner.stop()
        _kill(process)
        channel.close()
    error = log.read_text(errors="replace")[-4000:] if log.exists() else ""
    reason = (error.strip().splitlines() or ["no message"])[-1][:200]
    return [{"id": t["id"], "variant": t.get("variant"), "passed": False, "ename": "GraderError",
             "evalue": f"the grader's checks did not complete ({reason})", "output": ""} for t in tests]


def _close(fd: int) -> None:
    import os

    try:
        os.close(fd)
    except OSError:
        pass


def _kill(process) -> None:
    """Stop a process started by `sandbox.spawn`, with its whole session."""
    import os
    import signal

    try:
        os.killpg(process.pid, signal.SIGKILL)
    except OSError:
        pass
    process.wait()
