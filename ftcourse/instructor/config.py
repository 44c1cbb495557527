"""The configuration autograding runs under: nbgrader's, for one grading run's settings."""
from pathlib import Path

from ..shared.nbconfig import nbgrader_config


def grading_config(settings, runtime: Path = None):
    """Everything grading writes lives in the settings' workspace; every cell gets the run's time
    limit; deleted test cells are put back; tests run outside the student's kernel (see
    preprocessors.py); outputs are cut to a size; feedback leaves the hidden tests out. With
    `runtime` and the sandbox on, kernels start in the sandbox (see sandbox.py)."""
    from .sandbox import sandbox_config

    workspace = Path(settings.workspace).resolve()
    overrides = {
        "CourseDirectory.submitted_directory": str(workspace / "submitted"),
        "CourseDirectory.autograded_directory": str(workspace / "autograded"),
        "CourseDirectory.feedback_directory": str(workspace / "feedback"),
        "CourseDirectory.release_directory": str(workspace / "release"),
        "CourseDirectory.db_url": f"sqlite:///{workspace / 'gradebook.db'}",
        "Execute.timeout": settings.timeout,
        "OverwriteCells.add_missing_cells": True,
        # nbgrader's feedback shows hidden tests by default; students must not see them
        "GenerateFeedback.preprocessors": ["nbgrader.preprocessors.GetGrades",
                                           "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
                                           "nbgrader.preprocessors.ClearHiddenTests",
                                           "ftcourse.instructor.preprocessors.HideHiddenTestsInTracebacks"],
        "Autograde.autograde_preprocessors": [
            "ftcourse.instructor.preprocessors.SubstituteExports",
            "ftcourse.instructor.preprocessors.ExecuteThroughCrashes",
            "ftcourse.instructor.preprocessors.TrustedVerdicts",
            "nbgrader.preprocessors.IgnorePattern", "nbconvert.preprocessors.ClearMetadataPreprocessor",
            "nbgrader.preprocessors.LimitOutput", "ftcourse.instructor.preprocessors.LimitOutputBytes",
            "nbgrader.preprocessors.SaveAutoGrades", "nbgrader.preprocessors.AssignLatePenalties",
            "nbgrader.preprocessors.CheckCellMetadata"],
    }
    if runtime is not None and settings.sandbox:
        overrides.update(sandbox_config(Path(runtime)))
    return nbgrader_config(**overrides)
