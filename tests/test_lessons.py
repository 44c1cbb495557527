"""Every lesson as an nbgrader assignment: its form, its student version, and validation both ways."""
import pytest

from conftest import ROOT
from ftcourse.instructor.build import generate
from ftcourse.instructor.course import lessons, source_notebook, student_notebook
from ftcourse.instructor.validate import validate_source, validate_student
from notebook_code import code_cells, nbgrader, read, removed_api_uses

LESSONS = lessons()


def test_the_course_has_its_first_lessons():
    assert {"01_trainer_api", "02_custom_datasets", "03_lora_peft", "04_evaluation", "05_practice_quiz"} <= set(LESSONS)


@pytest.mark.parametrize("lesson", LESSONS)
def test_lesson_form(lesson):
    notebook = read(source_notebook(lesson))
    first_code = code_cells(notebook)[0].source
    assert "ftcourse.setup()" in first_code, "the first code cell must call ftcourse.setup()"
    if lesson != "05_practice_quiz":  # the graded quiz; every other lesson ends with its practice quiz
        assert f'ftcourse.quiz("{lesson[:2]}")' in code_cells(notebook)[-1].source
    text = "\n".join(c.source for c in notebook.cells if c.cell_type == "markdown").lower()
    for heading in ("objectives", "takeaways"):
        assert heading in text, f"{lesson} has no {heading}"
    tests = [c for c in notebook.cells if nbgrader(c).get("grade") and not nbgrader(c).get("solution")]
    answers = [c for c in notebook.cells if nbgrader(c).get("solution") and c.cell_type == "code"]
    assert len(tests) >= 5 and len(answers) >= 5, f"{lesson}: at least 5 graded exercises"
    assert all(nbgrader(c)["points"] > 0 for c in tests)
    assert all("### BEGIN HIDDEN TESTS" in c.source for c in tests), "every test cell has hidden tests"
    assert all("### BEGIN SOLUTION" in c.source for c in answers)


@pytest.mark.parametrize("lesson", LESSONS)
def test_committed_student_version_is_generated_from_its_source(lesson, tmp_path):
    fresh = read(generate(lesson, release_dir=tmp_path))
    committed = read(student_notebook(lesson))
    summary = lambda nb: [(c.cell_type, c.source, nbgrader(c)) for c in nb.cells]  # noqa: E731
    assert summary(committed) == summary(fresh), f"notebooks/{lesson} is out of date: run `make student`"
    student_text = "\n".join(c.source for c in committed.cells)
    assert "BEGIN HIDDEN TESTS" not in student_text and "BEGIN SOLUTION" not in student_text


@pytest.mark.parametrize("folder", ["solutions", "notebooks"])
def test_saved_widget_outputs_can_be_drawn_again(folder):
    """JupyterLab draws a saved widget output from the notebook's widget state; without it, a
    reopened notebook shows "Error displaying widget: model not found"."""
    for path in sorted((ROOT / folder).glob("*/*.ipynb")):
        notebook = read(path)
        state = notebook.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {})
        views = [o.data["application/vnd.jupyter.widget-view+json"]["model_id"] for c in code_cells(notebook)
                 for o in c.get("outputs", []) if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
        missing = [v for v in views if v not in state.get("state", {})]
        assert not missing, f"{path.relative_to(ROOT)}: {len(missing)} widget outputs without saved state"


def test_lesson_code_uses_no_removed_arguments():
    paths = sorted(ROOT.glob("solutions/*/*.ipynb")) + sorted(ROOT.glob("notebooks/*/*.ipynb"))
    uses = {str(p.relative_to(ROOT)): found for p in paths
            for found in [[u for c in code_cells(read(p)) for u in removed_api_uses(c.source)]] if found}
    assert uses == {}


def test_the_removed_argument_scan_finds_what_it_should():
    code = ("args = TrainingArguments('out', evaluation_strategy='epoch', logging_dir='logs')\n"
            "trainer = Trainer(model=m,\n    tokenizer=tok)\nm = load_metric('accuracy')\n%time x = 1\n")
    assert removed_api_uses(code) == ["line 1: TrainingArguments(evaluation_strategy=...)",
                                      "line 1: TrainingArguments(logging_dir=...)",
                                      "line 2: Trainer(tokenizer=...)", "line 4: load_metric()"]


@pytest.mark.parametrize("lesson", LESSONS)
def test_source_gets_full_marks_and_student_version_none(lesson):
    source = validate_source(lesson, profile="ci")
    assert source.ok, "\n".join(source.problems)
    student = validate_student(lesson, profile="ci")
    assert student.ok, "\n".join(student.problems)
