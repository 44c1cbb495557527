"""`ftcourse lab --instructor` (`make formgrade`): nbgrader's formgrader in JupyterLab, on 127.0.0.1,
on the course's graded workspace.

The formgrader reads nbgrader's configuration from the Jupyter config path. The course's own file
(`autograder/nbgrader_config.py`) names the default workspace; for another one (`--workspace`) the
server gets a configuration folder of its own whose `nbgrader_config.py` loads the course's file,
then points the gradebook and the submitted, autograded, feedback and release folders at the
workspace and leaves hidden tests out of feedback, as grading does (`config.grading_config`). The
server's root is the course folder, which the formgrader requires (the course root must lie inside
it). Scores and comments given there land in the same gradebook as `ftcourse grade --manual`.
Autograde with `ftcourse grade`, not with the formgrader's button, which would run student code
outside the sandbox.
"""
import secrets
import subprocess
from pathlib import Path

from ..shared.catalogue import ROOT
from ..student import lab
from ..shared.paths import write_atomic

SECTIONS = ("CourseDirectory", "GenerateFeedback", "Execute", "OverwriteCells")


def config_folder(workspace, folder: Path) -> Path:
    """A Jupyter config folder whose nbgrader_config.py is the course's, on `workspace`."""
    from .config import grading_config

    config = grading_config(workspace.settings())
    lines = ['"""Written by `ftcourse lab --instructor`: the course\'s nbgrader configuration on one workspace."""',
             "c = get_config()  # noqa: F821",
             f"load_subconfig({str(ROOT / 'autograder' / 'nbgrader_config.py')!r})  # noqa: F821"]
    for section in SECTIONS:
        for option, value in sorted(config[section].items()):
            lines.append(f"c.{section}.{option} = {value!r}")
    write_atomic(Path(folder) / "nbgrader_config.py", "\n".join(lines) + "\n")
    return Path(folder)


def start(workspace, port: int = None, log=None) -> lab.Lab:
    """JupyterLab at the course folder with the formgrader on `workspace`, in its own process group."""
    folder = config_folder(workspace, workspace.root / ".formgrader")
    env = lab.environment()
    env["JUPYTER_CONFIG_PATH"] = str(folder)  # this configuration only: not autograder/'s as well
    port = port or lab.free_port()
    token = secrets.token_hex(16)
    process = subprocess.Popen(lab.command(port, token, ROOT), cwd=ROOT, env=env,
                               stdout=log or subprocess.DEVNULL, stderr=subprocess.STDOUT if log else None,
                               start_new_session=True)
    return lab.Lab(process, port, token)


def url(server: lab.Lab) -> str:
    return f"http://127.0.0.1:{server.port}/formgrader?token={server.token}"
