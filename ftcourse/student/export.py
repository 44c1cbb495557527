"""What the grader takes from a notebook's kernel: the values a test needs, written as data.

When a notebook is graded, each test cell is replaced in the kernel by one call to `save`, naming
the values the test reads (those an answer cell defines) and the files it reads (a saved model).
The test itself then runs in the grader's trusted process on what was written here; the kernel
that ran the student's code decides nothing. Students never call this: in their own runs the test
cells run as they are.

Layout of one export, `.ftcourse/exports/<test>/`: `values.json` (a record per name, see
`ftcourse.shared.portable`), `values/` (files of datasets, models, tokenizers) and `files/` (copies
of the files the test reads, at their relative paths, as they were when the test cell ran).
"""
import json
import os
import shutil
from pathlib import Path

from ..shared import portable

ROOT = Path(".ftcourse") / "exports"


def save(test: str, names: list, namespace: dict, files: list = ()) -> None:
    """Write the values of `names` in `namespace` (and copies of `files`) to this test's export."""
    target = ROOT / test
    if target.exists() or target.is_symlink():
        shutil.rmtree(target, ignore_errors=True) if target.is_dir() and not target.is_symlink() else target.unlink()
    (target / "values").mkdir(parents=True)
    records, seen = {}, {}
    for name in names:
        if name not in namespace:
            records[name] = {"kind": "missing", "error": f"{name} was not defined when the test ran"}
            continue
        try:
            records[name] = portable.dump(namespace[name], target / "values", name, seen)
        except Exception as err:  # noqa: BLE001 - a value that cannot be written fails only its test
            records[name] = {"kind": "error", "error": f"{name} could not be exported ({type(err).__name__}: "
                                                        f"{str(err).splitlines()[0][:160] if str(err) else ''})"}
    missing = portable.copy_files(files, target / "files")
    partial = target / "values.json.partial"
    partial.write_text(json.dumps({"records": records, "missing_files": missing}))
    os.replace(partial, target / "values.json")
