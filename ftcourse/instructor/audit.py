"""What a submission did to the notebook it was given, read before grading from its JSON alone:
deleted or edited test cells and changed points. nbgrader restores all of them from the
gradebook; these notes tell the instructor that it had to."""
import json
from pathlib import Path


def audit(notebook: Path, gradebook, assignment: str) -> list:
    from nbgrader import utils

    try:
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    except (OSError, ValueError, KeyError, TypeError) as err:
        return [f"{notebook.name} is not a readable notebook ({type(err).__name__}): graded 0"]
    source = gradebook.find_notebook(notebook.stem, assignment)
    submitted = {c.get("metadata", {}).get("nbgrader", {}).get("grade_id"): c for c in cells}
    notes = []
    for grade_cell in source.grade_cells:
        cell = submitted.get(grade_cell.name)
        if cell is None:
            notes.append(f"test cell {grade_cell.name} was deleted: put back from the gradebook")
            continue
        points = cell["metadata"]["nbgrader"].get("points")
        if points is not None and float(points) != grade_cell.max_score:
            notes.append(f"points of {grade_cell.name} changed to {points}: graded out of {grade_cell.max_score:g}")
    for source_cell in source.source_cells:
        cell = submitted.get(source_cell.name)
        if cell is not None and source_cell.locked and cell.get("metadata", {}).get("nbgrader", {}).get("locked"):
            from nbformat import from_dict

            if utils.compute_checksum(from_dict(cell)) != source_cell.checksum:
                notes.append(f"locked cell {source_cell.name} was edited: graded with the original")
    return notes


def cell_failures(autograded: Path) -> list:
    """Why test cells lost points: the error each one ended with, in one line."""
    try:
        nb = json.loads(autograded.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    failures = []
    for cell in nb["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if not meta.get("grade") or meta.get("solution") or cell.get("cell_type") != "code":
            continue
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                reason = f"{output.get('ename')}: {output.get('evalue', '')}".strip().rstrip(":")
                failures.append(f"{meta['grade_id']}: {reason.splitlines()[0][:140] if reason else 'error'}")
                break
            if output.get("output_type") == "stream" and output.get("name") == "stderr":
                failures.append(f"{meta['grade_id']}: wrote to stderr: {output.get('text', '').strip()[:100]}")
                break
    return failures + nb.get("metadata", {}).get("ftcourse", {}).get("notes", [])
