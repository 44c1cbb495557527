"""One autograding job: nbgrader's autograde for one student and assignment, in a process of its own,
so that jobs run side by side and a job that dies takes nothing else with it. Its settings are the
run's (the file named by $FTCOURSE_RUN_SETTINGS).

`grade` starts each job as a fork of a server process that has already imported nbgrader (Python's
"forkserver" start method; `run_forked`), which saves every job the second or two that importing
nbgrader takes; `python -m ftcourse.instructor.autograde_job STUDENT ASSIGNMENT` runs one job from a
shell and prints one JSON line: success and log."""
import json
import os
import sys
from pathlib import Path

from nbgrader.apps import NbGraderAPI  # imported once by the fork server, not once per job
from nbgrader.coursedir import CourseDirectory

from ..shared.settings import RunSettings
from .config import grading_config


def main(student: str, assignment: str) -> dict:
    settings = RunSettings.current()
    config = grading_config(settings, runtime=Path(os.environ["JUPYTER_RUNTIME_DIR"]) / "sockets")
    api = NbGraderAPI(CourseDirectory(config=config), config=config)
    result = api.autograde(assignment, student, force=True, create=True)
    return {"success": bool(result["success"]), "log": result.get("log", ""), "error": result.get("error", "")}


def run_forked(student: str, assignment: str, env: dict, connection) -> None:
    """The job in a forked process: the job's environment, output to /dev/null (nbgrader's log comes
    back in the result), the result or the failure sent through `connection`. It dies with the process
    that forked it (the fork server, which ends with the grading process or cluster worker)."""
    _die_with_parent()
    quiet = os.open(os.devnull, os.O_WRONLY)
    os.dup2(quiet, 1)
    os.dup2(quiet, 2)
    os.environ.clear()
    os.environ.update(env)
    try:
        result = main(student, assignment)
    except BaseException as err:  # noqa: BLE001 - the job's failure is its result
        result = {"success": False, "log": "", "error": f"{type(err).__name__}: {err}".strip()[:300]}
    connection.send(result)
    connection.close()


def _die_with_parent() -> None:
    import ctypes
    import signal

    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG (Linux)
    except (OSError, AttributeError):
        pass


if __name__ == "__main__":
    print(json.dumps(main(*sys.argv[1:3])))
