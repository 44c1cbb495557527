"""The course catalogue: a lesson is one package folder and one notebook, and adding them is all it
takes for the lesson to appear in the course run, validation, the quiz and the sample class."""
import json
import os
import shutil
import subprocess
import sys

import nbformat
import pytest

from conftest import ROOT, run_ftcourse
from ftcourse.shared import catalogue
from ftcourse.shared.errors import CourseError

TINY_QUIZ = """title: A tiny lesson
questions:
  - id: 99-answer
    type: numeric
    section: Numbers
    difficulty: 1
    prompt: What is six times seven?
    answer: 42
    tolerance: 0
    explanation: Six sevens are forty-two.
"""


def tiny_notebook():
    def graded(source, **meta):
        cell = nbformat.v4.new_code_cell(source)
        cell.metadata["nbgrader"] = {"schema_version": 3, "locked": not meta.get("solution", False), **meta}
        return cell

    cells = [nbformat.v4.new_markdown_cell("# Lesson 99 · A tiny lesson\n\n**Objectives**: multiply."),
             nbformat.v4.new_code_cell("import ftcourse\n\ncourse = ftcourse.setup()"),
             graded("### BEGIN SOLUTION\nanswer = 6 * 7\n### END SOLUTION", grade=False, solution=True,
                    grade_id="ex1_answer"),
             graded("from ftcourse.student import checks\n\nchecks.expect(isinstance(answer, int), 'answer', "
                    "'a whole number', answer)\n### BEGIN HIDDEN TESTS\nchecks.expect(answer == 42, 'answer', "
                    "'six times seven', answer)\n### END HIDDEN TESTS", grade=True, solution=False,
                    grade_id="ex1_tests", points=1),
             nbformat.v4.new_code_cell("ftcourse.record_result('answer', answer)"),
             nbformat.v4.new_markdown_cell("## Key takeaways\n\n- Multiplying works."),
             nbformat.v4.new_code_cell('ftcourse.quiz("99")')]
    return nbformat.v4.new_notebook(cells=cells)


def test_lessons_are_found_by_number_name_or_slug():
    lesson = catalogue.lesson("01")
    assert lesson is not None and catalogue.lesson(1) == lesson == catalogue.lesson("trainer_api")
    assert lesson.package == "ftcourse.lessons.trainer_api" and lesson.quiz_bank.is_file()
    assert lesson.title == "Fine-tuning a classifier with the `Trainer` API"  # its heading, without "Lesson 01 ·"
    with pytest.raises(CourseError, match="use one of 01_trainer_api"):
        catalogue.lesson("98")


@pytest.mark.slow
@pytest.mark.grading
def test_a_new_lesson_folder_and_notebook_are_all_a_lesson_needs(tmp_path):
    course = tmp_path / "course"
    shutil.copytree(ROOT / "ftcourse", course / "ftcourse", ignore=shutil.ignore_patterns("__pycache__"))
    for folder in ("solutions", "notebooks"):
        shutil.copytree(ROOT / folder, course / folder)
    (course / "autograder").mkdir()
    shutil.copy(ROOT / "autograder" / "nbgrader_config.py", course / "autograder")
    # the whole change: one lesson folder and one notebook
    (course / "ftcourse" / "lessons" / "tiny").mkdir()
    (course / "ftcourse" / "lessons" / "tiny" / "__init__.py").write_text('"""A tiny lesson, for a test."""\n')
    (course / "ftcourse" / "lessons" / "tiny" / "quiz.yaml").write_text(TINY_QUIZ)
    (course / "solutions" / "99_tiny").mkdir()
    nbformat.write(tiny_notebook(), str(course / "solutions" / "99_tiny" / "99_tiny.ipynb"))

    env = {"PYTHONPATH": str(course), "FTCOURSE_PROFILE": "ci"}
    code, out, err = run_ftcourse("build", "99", env=env, cwd=course)
    assert code == 0 and (course / "notebooks" / "99_tiny" / "99_tiny.ipynb").is_file(), err[-2000:]
    code, out, err = run_ftcourse("run", "99_tiny", "--output", str(tmp_path / "runs"), env=env, cwd=course)
    assert code == 0 and "99_tiny" in out and "answer 42" in out, err[-2000:]
    code, out, err = run_ftcourse("validate", "99", env=env, cwd=course, timeout=900)
    assert code == 0, out + err[-2000:]
    assert "99_tiny source version (full marks): ok" in out and "99_tiny student version (no marks): ok" in out
    code, out, err = run_ftcourse("quiz", "--lesson", "99", "--seed", "1",
                                  env={**env, "FTCOURSE_HOME": str(tmp_path / "home")}, cwd=course)
    assert "What is six times seven?" in out
    done = subprocess.run([sys.executable, "-m", "ftcourse.instructor.sample_class", str(tmp_path / "class")],
                          env={**os.environ, **env}, cwd=course, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    expected = json.loads((tmp_path / "class" / "expected.json").read_text())
    assert expected["reference"]["99_tiny"] == 1.0 and expected["blank"]["99_tiny"] == 0.0
