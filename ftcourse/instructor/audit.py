"""What a submission did to the notebook it was given, read before grading from its JSON alone:
deleted or edited test cells and changed points. nbgrader restores all of them from the
gradebook; these notes tell the instructor that it had to."""
import json
import re
from pathlib import Path


CUT = re.compile(r"output cut by the grader: ([\d.]+) MB")
GRADER_ERRORS = {"TamperingDetected", "OutcomeCheckFailed"}


def audit(notebook: Path, released: Path, gradebook, assignment: str) -> list:
    """Notes on `notebook` as submitted, against the student version `released` and the gradebook."""
    import nbformat

    try:
        cells = nbformat.reads(notebook.read_text(encoding="utf-8"), as_version=4).cells
    except Exception as err:  # noqa: BLE001 - any unreadable file is the student's, and graded 0
        return [f"{notebook.name} is not a readable notebook ({type(err).__name__}): graded 0"]
    given = {grade_id(c): c for c in nbformat.read(str(released), as_version=4).cells if grade_id(c)}
    submitted = {grade_id(c): c for c in cells if grade_id(c)}
    notes = []
    for grade_cell in gradebook.find_notebook(notebook.stem, assignment).grade_cells:
        cell = submitted.get(grade_cell.name)
        if cell is None:
            notes.append(f"test cell {grade_cell.name} was deleted: put back from the gradebook")
            continue
        points = cell.metadata["nbgrader"].get("points")
        if points is not None and float(points) != grade_cell.max_score:
            notes.append(f"points of {grade_cell.name} changed to {points}: graded out of {grade_cell.max_score:g}")
    for name, original in given.items():
        if original.metadata["nbgrader"].get("locked") and name in submitted \
                and submitted[name].source.strip() != original.source.strip():
            notes.append(f"locked cell {name} was edited: graded with the original")
    return notes


def grade_id(cell):
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def cell_failures(autograded: Path) -> list:
    """Why test cells lost points (the error each one ended with, the grader's own first), and
    what the grader did to other cells (time limits, a dead kernel, outputs cut)."""
    try:
        nb = json.loads(autograded.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    failures = []
    for number, cell in enumerate(nb["cells"], 1):
        outputs = cell.get("outputs", [])
        errors = [o for o in outputs if o.get("output_type") == "error"]
        names = {o.get("ename") for o in errors}
        if "CellTimeoutError" in names:
            failures.append(f"cell {number} stopped after the time limit")
        if "DeadKernelError" in names:
            failures.append(f"the kernel died in cell {number}: later cells were not run")
        for output in outputs:
            cut = CUT.search(str(output.get("text", ""))) if output.get("output_type") == "stream" else None
            if cut:
                failures.append(f"output of cell {number} cut from {cut.group(1)} MB")
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if not meta.get("grade") or meta.get("solution") or cell.get("cell_type") != "code":
            continue
        errors.sort(key=lambda o: o.get("ename") not in GRADER_ERRORS)  # the grader's verdict first
        if errors:
            reason = f"{errors[0].get('ename')}: {errors[0].get('evalue', '')}".strip().rstrip(":")
            failures.append(f"{meta['grade_id']}: {reason.splitlines()[0][:140]}")
        else:
            stderr = [o for o in outputs if o.get("output_type") == "stream" and o.get("name") == "stderr"]
            if stderr:
                failures.append(f"{meta['grade_id']}: wrote to stderr: {stderr[0].get('text', '').strip()[:100]}")
    return failures
