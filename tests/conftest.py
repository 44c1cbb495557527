"""Fixtures shared by the tests. The fetched assets in the real cache are read, never changed:
tests that write get their own cache folder."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ftcourse.shared.paths import course_home

ROOT = Path(__file__).resolve().parents[1]
REAL_HOME = course_home()  # read before any test points FTCOURSE_HOME elsewhere

# The tests, the notebooks that nbval runs and the validations all use the smallest profile.
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


def run_ftcourse(*args, env=None, timeout=600):
    """Run the `ftcourse` command in a fresh process; return (exit code, stdout, stderr)."""
    merged = {**os.environ, **(env or {})}
    done = subprocess.run([sys.executable, "-m", "ftcourse", *args], capture_output=True, text=True,
                          env=merged, cwd=ROOT, timeout=timeout)
    return done.returncode, done.stdout, done.stderr


@pytest.fixture
def ftcourse_cli():
    return run_ftcourse
