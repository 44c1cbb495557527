"""The course's nbgrader configuration, as every role loads it.

`autograder/nbgrader_config.py` is the one configuration file (course root, folders, exchange, the
per-cell time limit of the run's settings). Students' JupyterLab (Validate, Assignment List),
the instructor's build, validation and grading all load it through `nbgrader_config`, adding
`{"Section.option": value}` overrides for their own job.
"""
import os
import sys

from .catalogue import ROOT

CONFIG_FILE = ROOT / "autograder" / "nbgrader_config.py"


def nbgrader_config(**overrides):
    """The course's nbgrader configuration, with `{"Section.option": value}` overrides."""
    from traitlets.config.loader import PyFileConfigLoader

    tools = str(os.path.dirname(sys.executable))  # nbgrader runs `alembic` to set up its gradebook
    if tools not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = tools + os.pathsep + os.environ.get("PATH", "")
    config = PyFileConfigLoader(CONFIG_FILE.name, path=str(CONFIG_FILE.parent)).load_config()
    for key, value in overrides.items():
        section, option = key.split(".")
        config[section][option] = value
    return config
