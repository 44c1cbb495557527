"""One autograding job, `python -m ftcourse.instructor.autograde_job STUDENT ASSIGNMENT`: nbgrader's
autograde for one student and assignment, in its own process so that jobs run side by side and a
job that dies takes nothing else with it. Its settings are the run's (the file named by
$FTCOURSE_RUN_SETTINGS). Prints one JSON line: success and log."""
import json
import os
import sys
from pathlib import Path


def main(student: str, assignment: str) -> dict:
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    from ..shared.settings import RunSettings
    from .config import grading_config

    settings = RunSettings.current()
    config = grading_config(settings, runtime=Path(os.environ["JUPYTER_RUNTIME_DIR"]) / "sockets")
    api = NbGraderAPI(CourseDirectory(config=config), config=config)
    result = api.autograde(assignment, student, force=True, create=True)
    return {"success": bool(result["success"]), "log": result.get("log", ""), "error": result.get("error", "")}


if __name__ == "__main__":
    print(json.dumps(main(*sys.argv[1:3])))
