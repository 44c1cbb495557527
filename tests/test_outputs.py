"""Deterministic outputs compared as nbval compares them, on a notebook that already ran."""
import nbformat

from ftcourse.instructor.outputs import mismatches


def notebook(text, marked=True, count=1):
    cell = nbformat.v4.new_code_cell(("# NBVAL_CHECK_OUTPUT\n" if marked else "") + "print(x)")
    cell.execution_count = count
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=text)]
    return nbformat.v4.new_notebook(cells=[cell])


def test_same_output_passes_and_a_change_is_reported():
    assert mismatches(notebook("3 rows\n"), notebook("3 rows\n")) == []
    found = mismatches(notebook("4 rows\n"), notebook("3 rows\n"))
    assert len(found) == 1 and "printed something else" in found[0] and "3 rows" in found[0]


def test_streams_are_merged_and_unmarked_or_unrun_cells_are_not_compared():
    split = notebook("3 ")
    split.cells[0].outputs.append(nbformat.v4.new_output("stream", name="stdout", text="rows\n"))
    assert mismatches(split, notebook("3 rows\n")) == []
    assert mismatches(notebook("anything", marked=False), notebook("else", marked=False)) == []
    assert mismatches(notebook("anything"), notebook("else", count=None)) == []


def test_a_checked_cell_missing_from_the_run_is_reported():
    empty = nbformat.v4.new_notebook(cells=[])
    assert "missing from the run" in mismatches(empty, notebook("3 rows\n"))[0]
