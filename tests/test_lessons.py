"""Every lesson as an nbgrader assignment: its form, its student version, what its tests may read,
and, from the one grading run of the session, validation both ways, the deterministic outputs
(nbval's comparison) and the mutation check of its tests."""
import json

import nbformat
import pytest

from conftest import ROOT
from ftcourse.instructor import cells as kind
from ftcourse.instructor import variants
from ftcourse.instructor.build import generate
from ftcourse.instructor.outputs import mismatches
from ftcourse.instructor.validate import verdicts_of
from ftcourse.shared.catalogue import lessons, names
from notebook_code import code_cells, nbgrader, read, removed_api_uses

LESSONS = names()
KILL_RATE = 0.9  # the share of plausible wrong answers that must lose points


def test_the_course_has_its_first_lessons():
    assert {"01_trainer_api", "02_custom_datasets", "03_lora_peft", "04_evaluation", "05_instruction_tuning", "06_practice_quiz"} <= set(LESSONS)


@pytest.mark.parametrize("lesson", lessons(), ids=LESSONS)
def test_lesson_form(lesson):
    notebook = read(lesson.source)
    first_code = code_cells(notebook)[0].source
    assert "ftcourse.setup()" in first_code, "the first code cell must call ftcourse.setup()"
    if lesson.quiz_bank.exists():  # every lesson with practice questions ends with its practice quiz
        assert f'ftcourse.quiz("{lesson.number}")' in code_cells(notebook)[-1].source
    text = "\n".join(c.source for c in notebook.cells if c.cell_type == "markdown").lower()
    for heading in ("objectives", "takeaways"):
        assert heading in text, f"{lesson.name} has no {heading}"
    tests = [c for c in notebook.cells if kind.is_test(c)]
    answers = [c for c in notebook.cells if kind.is_answer(c)]
    assert len(tests) >= 5 and len(answers) >= 5, f"{lesson.name}: at least 5 graded exercises"
    assert all(nbgrader(c)["points"] > 0 for c in tests)
    assert all("### BEGIN HIDDEN TESTS" in c.source for c in tests), "every test cell has hidden tests"
    assert all("### BEGIN SOLUTION" in c.source for c in answers)


@pytest.mark.parametrize("lesson", lessons(), ids=LESSONS)
def test_tests_read_only_student_answers_and_never_shadow_them(lesson):
    """A test runs in the grader's trusted process on what the student's kernel exported: it may read
    course/profile and the names answer cells define, never a locked cell's name (which the
    student's kernel could have changed), and must not rebind an answer's name itself."""
    cells = read(lesson.source).cells
    answered = set().union(*(kind.defined_names(c.source) for c in cells if kind.is_answer(c)))
    for index, cell in ((i, c) for i, c in enumerate(cells) if kind.is_test(c)):
        needs = set(kind.needs(cell.source))
        assert needs <= answered, f"{kind.grade_id(cell)} reads names no answer defines: {sorted(needs - answered)}"
        own = kind.defined_names(kind.answer_before(cells, index).source)
        shadowed = kind.bound_names(cell.source) & own
        assert not shadowed, f"{kind.grade_id(cell)} binds its answer's names itself: {sorted(shadowed)}"
        assert kind.answer_before(cells, cells.index(cell)) is not None


@pytest.mark.parametrize("lesson", LESSONS)
def test_committed_student_version_is_generated_from_its_source(lesson, tmp_path):
    fresh = read(generate(lesson, release_dir=tmp_path))
    committed = read(ROOT / "notebooks" / lesson / f"{lesson}.ipynb")
    summary = lambda nb: [(c.cell_type, c.source, nbgrader(c)) for c in nb.cells]  # noqa: E731
    assert summary(committed) == summary(fresh), f"notebooks/{lesson} is out of date: run `make student`"
    student_text = "\n".join(c.source for c in committed.cells)
    assert "BEGIN HIDDEN TESTS" not in student_text and "BEGIN SOLUTION" not in student_text


@pytest.mark.parametrize("folder", ["solutions", "notebooks"])
def test_saved_widget_outputs_can_be_drawn_again(folder):
    """JupyterLab draws a saved widget output from the notebook's widget state; without it, a
    reopened notebook shows "Error displaying widget: model not found"."""
    paths = sorted((ROOT / folder).glob("*/*.ipynb"))
    assert [p.stem for p in paths] == LESSONS
    for path in paths:
        notebook = read(path)
        state = notebook.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {})
        views = [o.data["application/vnd.jupyter.widget-view+json"]["model_id"] for c in code_cells(notebook)
                 for o in c.get("outputs", []) if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
        missing = [v for v in views if v not in state.get("state", {})]
        assert not missing, f"{path.relative_to(ROOT)}: {len(missing)} widget outputs without saved state"


def test_lesson_code_uses_no_removed_arguments():
    paths = sorted(ROOT.glob("solutions/*/*.ipynb")) + sorted(ROOT.glob("notebooks/*/*.ipynb"))
    assert len(paths) == 2 * len(LESSONS)
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
def test_variants_files_are_well_formed(lesson):
    found = variants.load(lesson)
    answers = {kind.grade_id(c) for c in read(ROOT / "solutions" / lesson / f"{lesson}.ipynb").cells
               if kind.is_answer(c)}
    assert {v.answer for v in found} <= answers, "variants of answer cells the lesson does not have"


def autograded(workspace, student: str, lesson: str):
    return workspace / "autograded" / student / lesson / f"{lesson}.ipynb"


@pytest.mark.slow
@pytest.mark.grading
@pytest.mark.parametrize("lesson", LESSONS)
def test_source_gets_full_marks_and_student_version_none(graded_class, lesson):
    _, workspace = graded_class
    reference = verdicts_of(autograded(workspace, "reference", lesson))
    assert reference and {t: why for t, why in reference.items() if why} == {}
    blank = verdicts_of(autograded(workspace, "blank", lesson))
    assert blank and [t for t, why in blank.items() if not why] == [], "tests that pass without an answer"


@pytest.mark.slow
@pytest.mark.grading
@pytest.mark.parametrize("lesson", LESSONS)
def test_deterministic_outputs_match_the_source(graded_class, lesson):
    """nbval's comparison of the `# NBVAL_CHECK_OUTPUT` cells, on the reference run of the grading."""
    _, workspace = graded_class
    ran = nbformat.read(str(autograded(workspace, "reference", lesson)), 4)
    assert mismatches(ran, read(ROOT / "solutions" / lesson / f"{lesson}.ipynb")) == []


@pytest.mark.slow
@pytest.mark.grading
@pytest.mark.parametrize("lesson", [name for name in LESSONS if variants.load(name)])
def test_wrong_answers_lose_points_and_correct_ones_keep_them(graded_class, lesson):
    _, workspace = graded_class
    path = autograded(workspace, "reference", lesson).parent / ".ftcourse" / "variants.json"
    summary = variants.report({lesson: json.loads(path.read_text())["variants"]})[lesson]
    print(variants.format_report({lesson: summary}))
    assert summary["wrong"] >= 3 and summary["killed"] >= KILL_RATE * summary["wrong"], summary["survivors"]
    assert summary["kept"] == summary["correct"], summary["rejected"]


def test_the_name_checks_see_what_they_should():
    answer = "import numpy as np\nnews = load()\nfor split in splits:\n    rows[split] = 1\ndef f(x):\n    y = x\n"
    assert kind.defined_names(answer) == {"news", "f"}
    test = "from ftcourse.shared import news\ncheck(news, f, helper_from_a_locked_cell)"
    assert kind.bound_names(test) & kind.defined_names(answer) == {"news"}
    assert kind.needs(test) == ["check", "f", "helper_from_a_locked_cell"]
