"""Grading the sample class end to end, as `make grade` does: every submission, adversarial ones
included, gets its expected score and a reason, and the batch completes."""
import csv
import json
import re

import nbformat
import pytest

from conftest import run_ftcourse
from ftcourse.instructor.course import lessons
from ftcourse.instructor.sample_class import FOLDER, build

EXPECTED = json.loads((FOLDER / "expected.json").read_text())


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    workspace = tmp_path_factory.mktemp("grading")
    code, out, err = run_ftcourse("grade", str(FOLDER), "--workspace", str(workspace), "--profile", "ci",
                                  "--cell-timeout", "150", timeout=3600)
    assert code == 0, err[-3000:]
    return out, workspace


def scores_from_table(out: str) -> dict:
    lines = out.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("student "))
    assignments = lines[header].split()[1:]
    table = {}
    for line in lines[header + 1:]:
        if not line.strip():
            break
        student, *cells = line.split()
        numbers = [float(x) for x in cells if x != "/"]
        table[student] = {a: numbers[2 * i] for i, a in enumerate(assignments)}
    return table


def notes_of(out: str, student: str) -> str:
    return "\n".join(line for line in out.splitlines() if line.startswith(f"  {student} "))


def test_filled_answers_are_valid_python():
    from notebook_code import python_source

    for notebook in FOLDER.glob("reference/*.ipynb"):
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


def test_every_submission_gets_its_expected_score(graded):
    out, _ = graded
    table = scores_from_table(out)
    assert set(table) == set(EXPECTED)
    for student, expected in EXPECTED.items():
        for assignment in lessons():
            assert table[student][assignment] == expected.get(assignment, 0.0), (student, assignment)


@pytest.mark.parametrize("student, reason", [
    ("blank", "ex1_tests: NameError"),
    ("endless_loop", "stopped after the time limit"),
    ("kernel_crash", "the kernel died in cell"),
    ("exception", "ex5_tests: NameError"),
    ("deleted_tests", "test cell ex1_tests was deleted: put back from the gradebook"),
    ("edited_tests", "locked cell ex4_tests was edited: graded with the original"),
    ("edited_tests", "points of ex1_tests changed to 100: graded out of 2"),
    ("invalid_json", "is not a readable notebook"),
    ("wrong_name", "expected 02_custom_datasets.ipynb, found 02_custom_datasets_final.ipynb"),
    ("huge_output", "cut from 30.0 MB"),
    ("redefiner", "changes the test machinery"),
    ("hard_coded", "ex6_tests: CheckFailed: the test accuracy of the saved model, recomputed"),
    ("endless_loop", "no notebook submitted"),
])
def test_each_lost_or_kept_point_has_a_reason(graded, student, reason):
    out, _ = graded
    assert reason in notes_of(out, student)


def printed(workspace, student: str) -> str:
    """What the student's autograded 02 notebook printed (its outputs, not its code)."""
    path = workspace / "autograded" / student / "02_custom_datasets" / "02_custom_datasets.ipynb"
    return "\n".join(str(output.get("text", "")) + str(output.get("data", {}).get("text/plain", ""))
                     for cell in nbformat.read(str(path), 4).cells for output in cell.get("outputs", []))


def test_student_code_read_no_hidden_tests_and_wrote_no_grades(graded):
    _, workspace = graded
    snooped = printed(workspace, "snooper")
    assert "hidden tests or grades found: []" in snooped
    assert "BEGIN HIDDEN TESTS" not in snooped
    feedback = (workspace / "feedback" / "snooper" / "02_custom_datasets" / "02_custom_datasets.html").read_text()
    assert "BEGIN HIDDEN TESTS" not in feedback
    writer = printed(workspace, "grade_writer")
    assert "rewrote" not in writer, writer[:2000]
    assert "no network:" in printed(workspace, "network")


def test_grades_csv_and_offline_feedback(graded):
    out, workspace = graded
    with open(workspace / "grades.csv") as fh:
        rows = list(csv.DictReader(fh))
    by_key = {(r["student_id"], r["assignment"]): float(r["raw_score"]) for r in rows}
    assert by_key[("reference", "02_custom_datasets")] == EXPECTED["reference"]["02_custom_datasets"]
    assert by_key[("grade_writer", "02_custom_datasets")] == EXPECTED["grade_writer"]["02_custom_datasets"]
    pages = list((workspace / "feedback").rglob("*.html"))
    assert pages and not any(re.search(r'<script[^>]*src="https?://', p.read_text()) for p in pages)
    shown = [str(p.relative_to(workspace)) for p in pages if "BEGIN HIDDEN TESTS" in p.read_text()]
    assert shown == [], "feedback shows hidden tests"


def test_grading_the_same_submissions_again_gives_the_same_scores(graded, tmp_path):
    out, _ = graded
    again = tmp_path / "again"
    for student in ("reference", "partial", "exception"):
        (again / student).mkdir(parents=True)
        (again / student / "02_custom_datasets.ipynb").write_bytes(
            (FOLDER / student / "02_custom_datasets.ipynb").read_bytes())
    code, out_again, err = run_ftcourse("grade", str(again), "--workspace", str(tmp_path / "ws"), "--profile", "ci")
    assert code == 0, err[-2000:]
    first, second = scores_from_table(out), scores_from_table(out_again)
    for student in second:
        assert second[student]["02_custom_datasets"] == first[student]["02_custom_datasets"]


def test_an_outcome_check_fails_what_was_not_saved(tmp_path):
    """The grader's own recomputation, in its sandbox, on a folder without a model."""
    from ftcourse.instructor.preprocessors import run_outcome

    result = run_outcome({"outcome": "sentiment_classifier", "args": {"model_dir": "runs/01_trainer_api/model"}},
                         tmp_path)
    assert result == {"passed": False, "message": "no loadable classifier in runs/01_trainer_api/model (OSError)"}
