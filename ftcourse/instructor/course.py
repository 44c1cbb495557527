"""The course as nbgrader sees it: its configuration and its assignments (one per lesson)."""
import os
import sys
from pathlib import Path

from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

from ..shared.errors import CourseError

ROOT = Path(__file__).resolve().parents[2]
CONFIG_FILE = ROOT / "autograder" / "nbgrader_config.py"


def nbgrader_config(**overrides) -> Config:
    """The course's nbgrader configuration, with `{"Section.option": value}` overrides."""
    tools = str(Path(sys.executable).parent)  # nbgrader runs `alembic` to set up its gradebook
    if tools not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = tools + os.pathsep + os.environ.get("PATH", "")
    config = PyFileConfigLoader(CONFIG_FILE.name, path=str(CONFIG_FILE.parent)).load_config()
    for key, value in overrides.items():
        section, option = key.split(".")
        config[section][option] = value
    return config


def grading_config(workspace: Path, profile, runtime: Path = None) -> Config:
    """The configuration autograding runs under: everything it writes lives in `workspace`,
    every cell gets the grading profile's time limit, deleted test cells are put back,
    outputs are cut to a size, and feedback leaves the hidden tests out. With `runtime`,
    kernels start in the sandbox (see sandbox.py)."""
    from .sandbox import sandbox_config

    workspace = Path(workspace).resolve()
    overrides = {
        "CourseDirectory.submitted_directory": str(workspace / "submitted"),
        "CourseDirectory.autograded_directory": str(workspace / "autograded"),
        "CourseDirectory.feedback_directory": str(workspace / "feedback"),
        "CourseDirectory.release_directory": str(workspace / "release"),
        "CourseDirectory.db_url": f"sqlite:///{workspace / 'gradebook.db'}",
        "Execute.timeout": profile.cell_timeout,
        "OverwriteCells.add_missing_cells": True,
        # nbgrader's feedback shows hidden tests by default; students must not see them
        "GenerateFeedback.preprocessors": ["nbgrader.preprocessors.GetGrades",
                                           "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
                                           "nbgrader.preprocessors.ClearHiddenTests",
                                           "ftcourse.instructor.preprocessors.HideHiddenTestsInTracebacks"],
        "Autograde.autograde_preprocessors": [
            "ftcourse.instructor.preprocessors.ExecuteThroughCrashes", "nbgrader.preprocessors.IgnorePattern",
            "nbconvert.preprocessors.ClearMetadataPreprocessor",  # before the course's notes are added
            "ftcourse.instructor.preprocessors.VerifyOutcomes", "ftcourse.instructor.preprocessors.RejectTampering",
            "nbgrader.preprocessors.LimitOutput",
            "ftcourse.instructor.preprocessors.LimitOutputBytes", "nbgrader.preprocessors.SaveAutoGrades",
            "nbgrader.preprocessors.AssignLatePenalties", "nbgrader.preprocessors.CheckCellMetadata"],
    }
    if runtime is not None:
        overrides.update(sandbox_config(Path(runtime)))
    return nbgrader_config(**overrides)


def lessons() -> list:
    """Assignment names, in course order: every solutions/<name>/<name>.ipynb."""
    return sorted(p.parent.name for p in (ROOT / "solutions").glob("*/*.ipynb") if p.stem == p.parent.name)


def source_notebook(lesson: str) -> Path:
    return _existing(ROOT / "solutions" / lesson / f"{lesson}.ipynb", lesson)


def student_notebook(lesson: str) -> Path:
    return _existing(ROOT / "notebooks" / lesson / f"{lesson}.ipynb", lesson)


def _existing(path: Path, lesson: str) -> Path:
    if not path.is_file():
        raise CourseError(f"no notebook {path.relative_to(ROOT)}: use one of the lessons {', '.join(lessons())}")
    return path
