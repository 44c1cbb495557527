"""Before nbgrader reads a submission: its graded cells are set back to the released ones."""
import nbformat

from ftcourse.instructor.audit import sanitize


def released(tmp_path):
    answer = nbformat.v4.new_code_cell("# YOUR CODE HERE")
    answer.metadata["nbgrader"] = {"grade": False, "solution": True, "locked": False, "grade_id": "ex1_answer",
                                   "schema_version": 3}
    test = nbformat.v4.new_code_cell("check(x)")
    test.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": True, "points": 2,
                                 "grade_id": "ex1_tests", "schema_version": 3}
    path = tmp_path / "released.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[answer, test]), str(path))
    return path


def test_added_renamed_repeated_and_changed_graded_cells_are_put_right(tmp_path):
    given = released(tmp_path)
    notebook = nbformat.read(str(given), 4)
    bonus = nbformat.v4.new_code_cell("print('ok')")
    bonus.metadata["nbgrader"] = {"grade": True, "solution": False, "points": 50, "grade_id": "bonus"}
    copy = nbformat.from_dict(notebook.cells[1])
    notebook.cells[0].metadata["nbgrader"].update(grade=True, points=20)
    notebook.cells += [bonus, copy]
    submitted = tmp_path / "submitted.ipynb"
    nbformat.write(notebook, str(submitted))
    notes = sanitize(submitted, given)
    assert notes == ["the grading flags of ex1_answer were changed (grade): set back",
                     "cell 3 claims the grading id 'bonus', which is not one of the assignment's cells: graded as an "
                     "ordinary cell",
                     "cell 4 claims the grading id 'ex1_tests', which repeats: graded as an ordinary cell"]
    fixed = nbformat.read(str(submitted), 4)
    assert fixed.cells[0].metadata["nbgrader"]["grade"] is False and "points" not in fixed.cells[0].metadata["nbgrader"]
    assert "nbgrader" not in fixed.cells[2].metadata and "nbgrader" not in fixed.cells[3].metadata
    assert sanitize(submitted, given) == []  # already right: nothing to say, nothing rewritten
