"""Grading the sample class end to end, as `make grade` does: every submission, attackers included,
gets exactly its expected score and a reason, and no feedback page shows a line of a hidden test
(grading again, and on a cluster, gives the same gradebook: test_cluster.py)."""
import csv
import html
import json
import re

import nbformat
import pytest

from conftest import notes_of, scores_from_table
from ftcourse.instructor.cells import is_test
from ftcourse.instructor.sample_class import FOLDER, TIMEOUT_STUDENTS, build
from ftcourse.shared.catalogue import lessons, names

EXPECTED = json.loads((FOLDER / "expected.json").read_text())
HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", re.S)


def test_filled_answers_are_valid_python():
    from ftcourse.instructor.cells import python_source

    notebooks = sorted(FOLDER.glob("reference/*.ipynb"))
    assert [p.stem for p in notebooks] == names()
    for notebook in notebooks:
        for cell in nbformat.read(str(notebook), 4).cells:
            if cell.cell_type == "code":
                compile(python_source(cell.source), str(notebook), "exec")


def test_the_committed_sample_class_is_current(tmp_path):
    assert build(tmp_path) == EXPECTED, "the sample class is stale: `make sample-class`"
    for fresh in tmp_path.rglob("*.ipynb"):
        committed = FOLDER / fresh.relative_to(tmp_path)
        try:
            same = nbformat.read(str(fresh), 4).cells == nbformat.read(str(committed), 4).cells
        except Exception:  # noqa: BLE001 - the invalid-JSON submission is compared as text
            same = fresh.read_text() == committed.read_text()
        assert same, f"{committed} is stale: `make sample-class`"


def hidden_lines() -> set:
    """Every line of every hidden test that appears nowhere in what students are given."""
    given = {line.strip() for lesson in lessons() for cell in nbformat.read(str(lesson.student), 4).cells
             for line in cell.source.splitlines()}
    found = set()
    for lesson in lessons():
        for cell in nbformat.read(str(lesson.source), 4).cells:
            for block in HIDDEN.findall(cell.source) if is_test(cell) else []:
                found |= {line.strip() for line in block.splitlines() if len(line.strip()) >= 12}
    return found - given


def page_lines(path) -> set:
    """The lines of a feedback page as a reader sees them (tags gone, entities decoded), stripped."""
    text = html.unescape(re.sub(r"<[^>]+>", "", path.read_text(encoding="utf-8")))
    return {line.strip() for line in text.splitlines()}


@pytest.mark.slow
@pytest.mark.grading
def test_every_submission_gets_its_expected_score(graded_class, graded_timeouts):
    table = {**scores_from_table(graded_class[0]), **scores_from_table(graded_timeouts[0])}
    assert set(table) == set(EXPECTED)
    wrong = {(student, assignment): (table[student][assignment], expected.get(assignment, 0.0))
             for student, expected in EXPECTED.items() for assignment in names()
             if table[student][assignment] != expected.get(assignment, 0.0)}
    assert wrong == {}, "(student, assignment): (score, expected)"


@pytest.mark.slow
@pytest.mark.grading
@pytest.mark.parametrize("student, reason", [
    ("blank", "ex1_tests: ExportRejected: reviews was not defined when the test ran"),
    ("kernel_crash", "the kernel died in cell"),
    ("exception", "part2_tests: ExportRejected: answers_02 was not defined"),
    ("deleted_tests", "test cell part1_tests was deleted: put back from the gradebook"),
    ("edited_tests", "locked cell part4_tests was edited: graded with the original"),
    ("edited_tests", "points of part1_tests changed to 100: graded out of 2"),
    ("invalid_json", "is not a readable notebook"),
    ("wrong_name", "expected 06_practice_quiz.ipynb, found 06_practice_quiz_final.ipynb"),
    ("huge_output", "cut from 30.0 MB"),
    ("hard_coded", "ex6_tests:"),
    ("cell_rewriter", "ex1_tests: ExportRejected: this test's values were never exported"),
    ("hook_leaker", "ex4_tests: ExportRejected: news_raw was not defined"),
    ("module_patcher", "ex7_tests: ExportRejected: news_ready was not defined"),
    ("redefiner", "ex1_tests: CheckFailed: reviews: expected a DatasetDict"),
    ("forger", "is a link or a special file"),
    ("forger", "more than 4.0 GB of exported files"),
    ("forger", "is not valid JSON"),
    ("forger", "names a bad path"),
    ("extra_cells", "claims the grading id 'bonus_tests', which is not one of the assignment's cells"),
    ("extra_cells", "the grading flags of ex2_answer were changed (grade): set back"),
    ("oversized", "part1_tests: ExportRejected: the values exported for this test could not be read: values.json has"),
    ("corrupter", "part2_tests: ExportRejected"),
    ("same_letter", "part1_tests: CheckFailed: answers_01: expected the right answer to every question"),
    ("endless_loop", "no notebook submitted"),
])
def test_each_lost_or_kept_point_has_a_reason(graded_class, graded_timeouts, student, reason):
    out = graded_timeouts[0] if student in TIMEOUT_STUDENTS else graded_class[0]
    assert reason in notes_of(out, student)


@pytest.mark.slow
@pytest.mark.grading
def test_an_endless_cell_stops_at_the_limit_and_the_rest_is_graded(graded_timeouts):
    out, _ = graded_timeouts
    assert "cell 4 stopped after the time limit" in notes_of(out, "endless_loop")
    assert scores_from_table(out)["endless_loop"]["06_practice_quiz"] == EXPECTED["endless_loop"]["06_practice_quiz"]


@pytest.mark.slow
@pytest.mark.grading
def test_no_feedback_page_and_no_output_holds_a_line_of_a_hidden_test(graded_class, graded_timeouts):
    lines = hidden_lines()
    assert len(lines) > 40  # the lessons have hidden tests, and this finds them
    shown = {}
    for workspace in (graded_class[1], graded_timeouts[1]):
        for page in (workspace / "feedback").rglob("*.html"):
            shown.update({str(page.relative_to(workspace)): line for line in lines & page_lines(page)})
    assert shown == {}, "feedback pages quote hidden tests"
    printed = printed_by(graded_class[1], "hook_leaker", "02_custom_datasets")
    assert "CELL SOURCE:" in printed  # the hook ran, and copied every cell it saw
    assert not lines & {line.strip() for line in printed.splitlines()}


def printed_by(workspace, student: str, assignment: str) -> str:
    """What a student's autograded notebook printed (its outputs, not its code)."""
    path = workspace / "autograded" / student / assignment / f"{assignment}.ipynb"
    return "\n".join(str(output.get("text", "")) + str(output.get("data", {}).get("text/plain", ""))
                     for cell in nbformat.read(str(path), 4).cells for output in cell.get("outputs", []))


@pytest.mark.slow
@pytest.mark.grading
def test_student_code_read_no_hidden_tests_or_secret_and_wrote_no_grades(graded_class):
    _, workspace = graded_class
    assert "hidden tests or grades found: []" in printed_by(workspace, "snooper", "06_practice_quiz")
    assert "rewrote" not in printed_by(workspace, "grade_writer", "06_practice_quiz")
    assert "no network:" in printed_by(workspace, "network", "06_practice_quiz")


@pytest.mark.slow
@pytest.mark.grading
def test_grades_csv_and_offline_feedback(graded_class):
    _, workspace = graded_class
    with open(workspace / "grades.csv") as fh:
        rows = list(csv.DictReader(fh))
    by_key = {(r["student_id"], r["assignment"]): float(r["raw_score"]) for r in rows}
    assert by_key[("reference", "02_custom_datasets")] == EXPECTED["reference"]["02_custom_datasets"]
    assert by_key[("module_patcher", "02_custom_datasets")] == 0.0
    pages = list((workspace / "feedback").rglob("*.html"))
    assert pages and not any(re.search(r'<script[^>]*src="https?://', p.read_text()) for p in pages)


def test_a_job_that_fails_before_grading_is_a_failed_outcome_not_a_crash(tmp_path):
    """Each job runs in a fork of the job server: its failure comes back as the job's outcome."""
    from ftcourse.instructor.job import autograde

    outcome = autograde("someone", "01_trainer_api", {"FTCOURSE_RUN_SETTINGS": str(tmp_path / "missing-settings.json"),
                                                      "JUPYTER_RUNTIME_DIR": str(tmp_path)}, time_limit=60)
    assert outcome["success"] is False and "missing-settings.json" in outcome["error"], outcome
