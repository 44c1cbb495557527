"""Executing a lesson notebook in a fresh kernel, as the course run and the instructor's build do.

One place owns how the course drives nbclient: the kernel talks over Unix sockets (IPC transport, so
ipykernel has no unencrypted-TCP warning to print and nothing listens on a port), the profile
reaches the kernel through $FTCOURSE_PROFILE (and any other variables the caller adds, restored
afterwards), and an optional `Progress` reports where the run is: code cells done of the total,
the time elapsed and the section it is in, so that a long lesson is never minutes of silence.
"""
import os
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Optional

from . import profiles


def section_titles(notebook) -> list:
    """For each cell, the title of the last Markdown heading at or before it ('' before the first)."""
    titles, current = [], ""
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("#"):
                    current = line.lstrip("#").strip()
        titles.append(current)
    return titles


def clock(seconds: float) -> str:
    """Elapsed time as m:ss."""
    seconds = int(seconds)
    return f"{seconds // 60}:{seconds % 60:02d}"


class Progress:
    """Where a notebook run is: `[12/40 cells] 1:05  section title`.

    On a terminal the line is rewritten in place every `every` seconds; elsewhere (a log, CI) a line
    is written when the section changes and otherwise at most every `quiet_for` seconds.
    """

    def __init__(self, notebook, label: str, stream=None, every: float = 1.0, quiet_for: float = 30.0):
        self.stream = stream or sys.stderr
        self.label = label
        self.titles = section_titles(notebook)
        self.code = [i for i, cell in enumerate(notebook.cells) if cell.cell_type == "code"]
        self.done = 0
        self.index = self.code[0] if self.code else 0
        self.started = time.perf_counter()
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.every, self.quiet_for = every, quiet_for
        self._last_line, self._last_title, self._stop = 0.0, None, threading.Event()
        self._thread = threading.Thread(target=self._tick, daemon=True)

    def line(self) -> str:
        title = self.titles[self.index] if self.titles else ""
        return (f"  {self.label} [{self.done}/{len(self.code)} cells] {clock(time.perf_counter() - self.started)}"
                + (f"  {title[:60]}" if title else ""))

    def _show(self, force: bool = False) -> None:
        now = time.perf_counter()
        if self.tty:
            self.stream.write("\r\033[K" + self.line())
            self.stream.flush()
            return
        title = self.titles[self.index] if self.titles else ""
        if force or title != self._last_title or now - self._last_line >= self.quiet_for:
            self.stream.write(self.line() + "\n")
            self.stream.flush()
            self._last_line, self._last_title = now, title

    def _tick(self) -> None:
        while not self._stop.wait(self.every):
            self._show()

    # nbclient hooks (called with keyword arguments cell and cell_index; on_cell_executed also execute_reply)
    def cell_started(self, cell, cell_index, **_) -> None:
        self.index = cell_index

    def cell_finished(self, cell, cell_index, **_) -> None:
        if cell.cell_type == "code":
            self.done += 1

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        if self.tty:
            self.stream.write("\r\033[K")
            self.stream.flush()


@contextmanager
def environment(values: dict):
    """Set environment variables for the kernel about to start; restore them afterwards."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update({key: str(value) for key, value in values.items()})
    try:
        yield
    finally:
        for key, value in saved.items():
            os.environ.pop(key, None) if value is None else os.environ.__setitem__(key, value)


def execute(notebook, workdir: Path, profile: str, env: Optional[dict] = None, progress: Optional[Progress] = None,
            **options) -> None:
    """Run `notebook` top to bottom in a fresh python3 kernel whose working folder is `workdir`.

    The kernel gets $FTCOURSE_PROFILE=`profile` and the variables in `env`; each cell may run for
    the profile's `cell_timeout`. nbclient's own errors (CellExecutionError, CellTimeoutError)
    propagate; `options` go to `NotebookClient` (e.g. store_widget_state=True).
    """
    from nbclient import NotebookClient
    from traitlets.config import Config

    with tempfile.TemporaryDirectory(prefix="ftcourse-kernel-") as runtime:
        config = Config({"KernelManager": {"transport": "ipc", "ip": str(Path(runtime) / "kernel")}})
        hooks = {}
        if progress is not None:
            hooks = {"on_cell_start": progress.cell_started, "on_cell_executed": progress.cell_finished}
        client = NotebookClient(notebook, timeout=profiles.get(profile).cell_timeout, kernel_name="python3",
                                config=config, resources={"metadata": {"path": str(workdir)}}, **hooks, **options)
        with environment({profiles.ENV_PROFILE: profile, **(env or {})}):
            if progress is None:
                client.execute()
            else:
                with progress:
                    client.execute()
