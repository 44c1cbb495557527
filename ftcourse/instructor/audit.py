"""What a submission did to the notebook it was given, read before grading from its JSON alone:
deleted or edited test cells, changed points, graded cells added, renamed or turned into
something else. nbgrader restores deleted and edited cells from the gradebook; `sanitize` sets
every cell's grading metadata back to the released version's before nbgrader reads it, so an added
or renamed graded cell is an ordinary cell. The notes tell the instructor what was put right."""
import json
import re
from pathlib import Path


CUT = re.compile(r"output cut by the grader: ([\d.]+) MB")
GRADER_ERRORS = {"ExportRejected", "AnswerFailed", "CheckTimedOut", "GraderError"}
FLAGS = ("grade", "solution", "locked", "points", "task")


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


def sanitize(submitted: Path, released: Path) -> list:
    """Rewrite the submitted copy so that its graded cells are exactly the released ones: a cell
    whose grade_id the assignment does not have, or that repeats one, loses its grading metadata;
    a known cell gets the released flags (graded, answer, locked, points) back. Notes for each."""
    import nbformat

    try:
        notebook = nbformat.read(str(submitted), as_version=4)
    except Exception:  # noqa: BLE001 - unreadable notebooks are noted by `audit`
        return []
    given = {grade_id(c): c.metadata["nbgrader"] for c in nbformat.read(str(released), as_version=4).cells
             if grade_id(c)}
    notes, seen, changed = [], set(), False
    for number, cell in enumerate(notebook.cells, 1):
        meta = cell.metadata.get("nbgrader")
        if not meta:
            continue
        gid = meta.get("grade_id")
        if gid not in given or gid in seen:
            why = "repeats" if gid in seen else "is not one of the assignment's cells"
            if meta.get("grade") or meta.get("solution") or gid:
                notes.append(f"cell {number} claims the grading id {gid!r}, which {why}: graded as an ordinary cell")
            del cell.metadata["nbgrader"]
            changed = True
            continue
        seen.add(gid)
        wanted = {k: given[gid][k] for k in FLAGS if k in given[gid]}
        found = {k: meta[k] for k in FLAGS if k in meta}
        if found != wanted:
            changes = [k for k in FLAGS if found.get(k) != wanted.get(k) and k != "points"]
            if changes:
                notes.append(f"the grading flags of {gid} were changed ({', '.join(changes)}): set back")
            for key in FLAGS:
                meta.pop(key, None)
            meta.update(wanted)
            changed = True
    if changed:
        nbformat.write(notebook, str(submitted))
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
