"""The grading sandbox: a student's kernel cannot read the course, touch grades or reach the network."""
import json
import os
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from traitlets.config import Config

from conftest import ROOT
from ftcourse.instructor import sandbox

PROBE = r'''
import json, os, socket, subprocess
def attempt(action):
    try:
        action()
        return "allowed"
    except Exception as err:
        return type(err).__name__
results = {
    "read solutions": attempt(lambda: os.listdir(ROOT + "/solutions")),
    "read tests": attempt(lambda: os.listdir(ROOT + "/tests")),
    "read git history": attempt(lambda: os.listdir(ROOT + "/.git")),
    "read a file beside its folder": attempt(lambda: open(SECRET).read()),
    "read a file beside the course": attempt(lambda: open(BESIDE).read()),
    "list /tmp beyond its own": attempt(lambda: next(p for p in os.listdir("/tmp") if p not in KEPT
                                                     and not p.startswith("tmp"))),  # tmp*.json: its connection file
    "open gradebook": attempt(lambda: open(ROOT + "/autograder/gradebook.db", "a")),
    "write the venv": attempt(lambda: open(ROOT + "/.venv/planted.py", "w")),
    "write system files": attempt(lambda: open("/usr/planted", "w")),
    "write its own folder": attempt(lambda: open("answer.txt", "w").write("ok")),
    "reach the network": attempt(lambda: socket.create_connection(("127.0.0.1", 22), timeout=2)),
    "see other processes": attempt(lambda: next(p for p in os.listdir("/proc") if p.isdigit() and p != "1")),
    "undo the mounts": attempt(lambda: subprocess.run(["umount", ROOT], check=True, capture_output=True)),
    "import ftcourse": attempt(lambda: __import__("ftcourse.student.checks")),
}
print(json.dumps(results))
'''


def kept_in_tmp(scratch) -> set:
    """The names in /tmp that lead to what the kernel keeps (its work and socket folders, and the
    course's package and environment when the course itself lies under /tmp), and its own home."""
    kept = [scratch, ROOT, Path(sys.prefix)]
    return {"home"} | {Path(p).resolve().relative_to("/tmp").parts[0] for p in kept
                       if Path(p).resolve().is_relative_to("/tmp")}


@pytest.fixture(scope="module")
def sandboxed_run(tmp_path_factory):
    sandbox.check_available()
    scratch = tmp_path_factory.mktemp("sandbox")
    sandbox.install_kernelspec(scratch / "jupyter")
    work = scratch / "work"
    work.mkdir()
    (scratch / "secret.txt").write_text("another student's work")
    beside = ROOT.parent / f".sandbox-probe-{os.getpid()}.txt"  # where another copy of the course could lie
    config = Config()
    for key, value in sandbox.sandbox_config(scratch / "sockets").items():
        section, option = key.split(".")
        config[section][option] = value
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell(f"ROOT = {str(ROOT)!r}\nSECRET = {str(scratch / 'secret.txt')!r}\n"
                                  f"BESIDE = {str(beside)!r}\nKEPT = {kept_in_tmp(scratch)!r}\n" + PROBE),
        nbformat.v4.new_code_cell("while True:\n    pass"),
        nbformat.v4.new_code_cell("print('still grading')"),
    ])
    beside.write_text("the hidden tests of another copy")
    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("JUPYTER_PATH", str(scratch / "jupyter"))
            mp.setenv("JUPYTER_RUNTIME_DIR", str(scratch / "runtime"))
            NotebookClient(notebook, timeout=10, kernel_name=sandbox.KERNEL_NAME, config=config, allow_errors=True,
                           interrupt_on_timeout=True, resources={"metadata": {"path": str(work)}}).execute()
    finally:
        beside.unlink()
    return notebook, work


def test_the_kernel_is_confined(sandboxed_run):
    notebook, work = sandboxed_run
    results = json.loads(notebook.cells[0].outputs[0].text)
    assert results.pop("write its own folder") == "allowed"
    assert results.pop("import ftcourse") == "allowed"
    assert {k: v for k, v in results.items() if v == "allowed"} == {}
    assert (work / "answer.txt").read_text() == "ok"


def test_an_endless_cell_is_interrupted_and_grading_goes_on(sandboxed_run):
    notebook, _ = sandboxed_run
    assert notebook.cells[1].outputs[-1].get("ename") == "KeyboardInterrupt"
    assert notebook.cells[2].outputs[0].text == "still grading\n"
