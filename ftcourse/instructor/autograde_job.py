"""One autograding job, `python -m ftcourse.instructor.autograde_job WORKSPACE STUDENT ASSIGNMENT`:
nbgrader's autograde for one student and assignment, in its own process so that jobs run side by
side and a job that dies takes nothing else with it. Prints one JSON line: success and log."""
import dataclasses
import json
import os
import sys
from pathlib import Path


def main(workspace: str, student: str, assignment: str) -> dict:
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    from ..shared.profiles import select
    from .course import grading_config

    sandbox = os.environ.get("FTCOURSE_SANDBOX", "1") == "1"
    runtime = Path(os.environ["JUPYTER_RUNTIME_DIR"]) / "sockets" if sandbox else None
    profile = select()
    if os.environ.get("FTCOURSE_CELL_TIMEOUT"):
        profile = dataclasses.replace(profile, cell_timeout=int(os.environ["FTCOURSE_CELL_TIMEOUT"]))
    config = grading_config(Path(workspace), profile, runtime=runtime)
    api = NbGraderAPI(CourseDirectory(config=config), config=config)
    result = api.autograde(assignment, student, force=True, create=True)
    return {"success": bool(result["success"]), "log": result.get("log", ""), "error": result.get("error", "")}


if __name__ == "__main__":
    print(json.dumps(main(*sys.argv[1:4])))
