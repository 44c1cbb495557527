"""`make lab` / `ftcourse lab`: JupyterLab at the student notebooks, with nbgrader's extension working.

nbgrader's Validate button and Assignment List read `nbgrader_config.py` from the Jupyter config
path, so the lab puts autograder/ on that path: both then use the course's configuration (cell time
limits long enough for a fine-tune, the exchange folder inside the course). Every lesson is released
into that exchange first, so the Assignment List has the assignments and Submit has somewhere to go.
"""
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from ..shared.catalogue import ROOT
from ..shared.errors import CourseError

STUDENT_NOTEBOOKS = ROOT / "notebooks"
CONFIG_FOLDER = ROOT / "autograder"
# Saved widget state, so a reopened notebook shows its widgets instead of "model not found";
# no news or update checks, which would ask the internet.
SETTINGS = Path(__file__).with_name("lab_settings")


def release_lessons() -> list:
    """Copy every student version into the course's exchange (nbgrader release_assignment), and
    take back a lesson's earlier release under a name the catalogue no longer has (a renumbered or
    removed lesson), so the Assignment List offers no stale copy."""
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    from ..shared.catalogue import NAME, names as lessons
    from ..shared.nbconfig import nbgrader_config

    # force: the student versions may have changed since the last release
    config = nbgrader_config(**{"ExchangeReleaseAssignment.force": True})
    api = NbGraderAPI(CourseDirectory(config=config), config=config)
    released = []
    for lesson in lessons():
        result = api.release_assignment(lesson)
        if not result["success"]:
            raise CourseError(f"could not release {lesson} into {config.Exchange.root}: "
                              f"{result.get('error') or result['log']}".strip())
        released.append(lesson)
    outbound = Path(config.Exchange.root) / api.coursedir.course_id / "outbound"
    stale = sorted(p.name for p in outbound.glob("*") if p.is_dir() and NAME.match(p.name) and p.name not in released)
    for name in stale:
        result = api.unrelease(name)
        if not result["success"]:
            raise CourseError(f"could not take back the old release {name} from {config.Exchange.root}: "
                              f"{result.get('error') or result['log']}".strip())
    return released


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Lab:
    """A running JupyterLab server."""

    process: subprocess.Popen
    port: int
    token: str

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/lab?token={self.token}"

    def page(self, path: str) -> str:
        """The address of a file under the lab's root, e.g. `01_trainer_api/01_trainer_api.ipynb`."""
        return f"http://127.0.0.1:{self.port}/lab/tree/{path}?token={self.token}"

    def wait_until_up(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise CourseError(f"JupyterLab exited with code {self.process.returncode} while starting")
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/api/status?token={self.token}", timeout=2)
                return
            except OSError:
                time.sleep(0.5)
        raise CourseError(f"JupyterLab did not answer on port {self.port} within {timeout:.0f} s")

    def stop(self) -> None:
        """Stop the server and the kernels it started (its whole process group), by PID."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def command(port: int, token: str, root: Path) -> list:
    argv = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
            "--port-retries=0", f"--ServerApp.root_dir={root}", f"--LabApp.app_settings_dir={SETTINGS}",
            f"--IdentityProvider.token={token}"]
    if os.geteuid() == 0:
        argv.append("--allow-root")
    return argv


def environment(extra: dict = None) -> dict:
    """The server's environment: the course's nbgrader configuration on the Jupyter config path, and
    this machine's profile, so that Validate allows a cell the time the notebook's profile needs."""
    from ..shared.profiles import ENV_PROFILE, select

    env = {**os.environ, **(extra or {})}
    env[ENV_PROFILE] = select(env.get(ENV_PROFILE)).name
    paths = [str(CONFIG_FOLDER), *filter(None, env.get("JUPYTER_CONFIG_PATH", "").split(os.pathsep))]
    env["JUPYTER_CONFIG_PATH"] = os.pathsep.join(dict.fromkeys(paths))
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return env


def start(port: int = None, root: Path = STUDENT_NOTEBOOKS, env: dict = None, log=None) -> Lab:
    """Release the lessons, then start JupyterLab on 127.0.0.1 in its own process group."""
    if not Path(root).is_dir():
        raise CourseError(f"no folder {root}: run the lab from a complete copy of the course")
    release_lessons()
    port = port or free_port()
    token = secrets.token_hex(16)
    process = subprocess.Popen(command(port, token, Path(root)), cwd=root, env=environment(env),
                               stdout=log or subprocess.DEVNULL, stderr=subprocess.STDOUT if log else None,
                               start_new_session=True)
    return Lab(process, port, token)
