"""The course's additions to nbgrader's autograde pipeline."""
import nbformat

from ftcourse.instructor.audit import cell_failures
from ftcourse.instructor.grade import CDN, plan_workers
from ftcourse.instructor.preprocessors import HideHiddenTestsInTracebacks, LimitOutputBytes


def test_huge_outputs_are_cut_with_a_note(tmp_path):
    cell = nbformat.v4.new_code_cell("print('x' * 50_000_000)")
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="x" * 50_000_000)]
    nb = nbformat.v4.new_notebook(cells=[cell])
    nb, _ = LimitOutputBytes(max_bytes=1000).preprocess(nb, {})
    text = "".join(o.text for o in nb.cells[0].outputs)
    assert len(text) < 1200 and "output cut by the grader: 50.0 MB" in text
    path = tmp_path / "graded.ipynb"
    nbformat.write(nb, str(path))
    assert cell_failures(path) == ["output of cell 1 cut from 50.0 MB"]


def test_small_outputs_are_untouched():
    cell = nbformat.v4.new_code_cell("print('hi')")
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="hi\n")]
    nb, _ = LimitOutputBytes().preprocess(nbformat.v4.new_notebook(cells=[cell]), {})
    assert nb.cells[0].outputs[0].text == "hi\n" and len(nb.cells[0].outputs) == 1


def test_feedback_tracebacks_of_test_cells_keep_only_the_message():
    def failed(grade):
        cell = nbformat.v4.new_code_cell("check(x)\n### BEGIN HIDDEN TESTS\nsecret(x)\n### END HIDDEN TESTS")
        cell.metadata["nbgrader"] = {"grade": grade, "solution": False, "grade_id": "t", "points": 1}
        cell.outputs = [nbformat.v4.new_output("error", ename="CheckFailed", evalue="x: expected 3, found 2",
                                               traceback=["---", "----> 1 check(x)\n  2 ### BEGIN HIDDEN TESTS\n  3 secret(x)",
                                                          "CheckFailed: x: expected 3, found 2"])]
        return cell

    nb = nbformat.v4.new_notebook(cells=[failed(True), failed(False)])
    nb, _ = HideHiddenTestsInTracebacks().preprocess(nb, {})
    assert nb.cells[0].outputs[0].traceback == ["CheckFailed: x: expected 3, found 2"]
    assert len(nb.cells[1].outputs[0].traceback) == 3  # not a test cell: the student's own traceback


def test_workers_times_threads_never_exceed_the_cores():
    import os

    cores = len(os.sched_getaffinity(0))
    assert plan_workers(None, 1) == cores
    assert plan_workers(64, 1) == cores
    assert plan_workers(None, cores) == 1


def test_feedback_loses_its_cdn_scripts():
    page = '<head><script src="https://cdn.example/mathjax.js"></script><script>local()</script></head>'
    assert CDN.sub("", page) == "<head><script>local()</script></head>"
