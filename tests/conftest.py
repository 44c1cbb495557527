"""Fixtures shared by the tests. The fetched assets in the real cache are read, never changed:
tests that write get their own cache folder.

Notebooks are executed once per session: `graded_class` grades the sample class the way
`make grade` does, with the reference student also trying every variant of every lesson's
answers. The grading, validation, output and mutation tests all read that one run.
"""
import contextlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ftcourse.shared.paths import course_home

ROOT = Path(__file__).resolve().parents[1]
REAL_HOME = course_home()  # read before any test points FTCOURSE_HOME elsewhere
GRADING_SECRET = "tests-of-the-course"  # the hidden inputs of this session's grading runs

# The tests, the notebooks they execute and the validations all use the smallest profile.
os.environ["FTCOURSE_PROFILE"] = "ci"


@pytest.fixture
def empty_home(tmp_path, monkeypatch):
    """A fresh, empty course cache folder."""
    monkeypatch.setenv("FTCOURSE_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


@pytest.fixture(scope="session")
def ci_course():
    """The course set up in the ci profile, as a lesson would do it."""
    from ftcourse.student.setup import prepare

    return prepare("ci")


def run_ftcourse(*args, env=None, timeout=600, cwd=ROOT):
    """Run the `ftcourse` command in a fresh process; return (exit code, stdout, stderr)."""
    merged = {**os.environ, **(env or {})}
    done = subprocess.run([sys.executable, "-m", "ftcourse", *args], capture_output=True, text=True,
                          env=merged, cwd=cwd, timeout=timeout)
    return done.returncode, done.stdout, done.stderr


@contextlib.contextmanager
def ftcourse_server(tmp_path, *args, path="lab"):
    """`ftcourse lab ARGS` on a free loopback port: yields (base URL, token) once it printed its address,
    and stops it with Ctrl-C afterwards (which must end it cleanly)."""
    import re
    import signal

    from ftcourse.student import lab

    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
           "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "workspaces")}
    process = subprocess.Popen([sys.executable, "-m", "ftcourse", "lab", *args, "--port", str(lab.free_port())],
                               cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        lines = []
        for line in process.stdout:
            lines.append(line)
            if "token=" in line:
                break
        found = re.search(rf"(http://127\.0\.0\.1:\d+)/{path}\?token=(\w+)", "".join(lines))
        assert found, "".join(lines)
        yield found.groups()
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=60) == 0


@pytest.fixture
def ftcourse_cli():
    return run_ftcourse


def scores_from_table(out: str) -> dict:
    """{student: {assignment: score}} from the table `ftcourse grade` prints."""
    lines = out.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("student "))
    assignments = lines[header].split()[1:]
    table = {}
    for line in lines[header + 1:]:
        if not line.strip():
            break
        student, *cells = line.split()
        numbers = [float(x) for x in cells if x != "/"]
        table[student] = {a: numbers[2 * i] for i, a in enumerate(assignments)}
    return table


def notes_of(out: str, student: str) -> str:
    return "\n".join(line for line in out.splitlines() if line.startswith(f"  {student} "))


@pytest.fixture(scope="session")
def graded_class(tmp_path_factory):
    """The committed sample class graded once (ci profile, sandboxed, 2 kernels x 1 thread), the
    reference student also trying every variant: (printed table and notes, workspace). The students
    of TIMEOUT_STUDENTS are graded apart, with a short cell limit (`graded_timeouts`)."""
    from ftcourse.instructor.sample_class import FOLDER, TIMEOUT_STUDENTS

    submissions = tmp_path_factory.mktemp("class") / "submissions"
    shutil.copytree(FOLDER, submissions, ignore=lambda folder, names: [n for n in names if n in TIMEOUT_STUDENTS])
    workspace = submissions.parent / "workspace"
    code, out, err = run_ftcourse("grade", str(submissions), "--workspace", str(workspace), "--profile", "ci",
                                  "--variants", "reference", env={"FTCOURSE_SECRET": GRADING_SECRET},
                                  timeout=3600)
    assert code == 0, err[-3000:]
    return out, workspace


@pytest.fixture(scope="session")
def graded_timeouts(tmp_path_factory):
    """The students who run out of time, graded with a 10 s cell limit: (table and notes, workspace)."""
    from ftcourse.instructor.sample_class import FOLDER, TIMEOUT_STUDENTS

    submissions = tmp_path_factory.mktemp("timeouts") / "submissions"
    for student in TIMEOUT_STUDENTS:
        shutil.copytree(FOLDER / student, submissions / student)
    workspace = submissions.parent / "workspace"
    code, out, err = run_ftcourse("grade", str(submissions), "--workspace", str(workspace), "--profile", "ci",
                                  "--cell-timeout", "10", env={"FTCOURSE_SECRET": GRADING_SECRET}, timeout=1200)
    assert code == 0, err[-3000:]
    return out, workspace
