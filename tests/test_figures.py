"""The numbers audit: every figure a lesson's text states is printed by its run, set by its code, or
carries its source (ftcourse/instructor/figures.py), in the source and in the student version."""
import json

import nbformat
import pytest

from ftcourse.instructor.figures import (exempt_cells, figures, missing_sources, run_time_mismatches,
                                         spoken_time, unsupported, wrong_points)
from ftcourse.shared.catalogue import ROOT, lessons

LESSONS = lessons()


@pytest.mark.parametrize("lesson", LESSONS, ids=[lesson.name for lesson in LESSONS])
def test_every_figure_of_a_lesson_is_supported(lesson):
    source = nbformat.read(str(lesson.source), 4)
    assert unsupported(source) == []
    assert unsupported(nbformat.read(str(lesson.student), 4), ran=source) == []
    assert wrong_points(source) == []
    assert all(reason.strip() for _, reason in exempt_cells(source))
    assert missing_sources(source, ROOT) == []


def test_the_audit_fails_on_planted_figures():
    source = nbformat.read(str(LESSONS[0].source), 4)
    source.cells.append(nbformat.v4.new_markdown_cell("In our tests the fine-tune reached 0.9931 accuracy in 17.25 s."))
    source.cells.append(nbformat.v4.new_markdown_cell("### Exercise 9: one more (7 points)\n\nSee `r=64` and 7919 rows."))
    found = unsupported(source)
    assert [f.split(" in ")[0].split(": ")[1] for f in found] == ["0.9931", "17.25", "7919"]
    sourced = "Reached 0.9931 in [a paper](https://arxiv.org/abs/2106.09685); 17.25 s (source: a table)."
    assert figures(sourced) == []


def test_stated_points_and_exercise_counts_are_checked():
    source = nbformat.read(str(LESSONS[1].source), 4)
    heading = next(c for c in source.cells if c.cell_type == "markdown" and "(2 points)" in c.source)
    heading.source = heading.source.replace("(2 points)", "(4 points)")
    intro = source.cells[0]
    intro.source += "\n\n**Exercises.** 9 graded exercises, 40 points."
    assert len(wrong_points(source)) == 2


def test_a_cited_file_must_exist():
    source = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(
        "Took 2 minutes (source: `benchmarks/results/no-such-table.md`); see [the README](README.md).")])
    assert missing_sources(source, ROOT) == ["benchmarks/results/no-such-table.md"]


RUNS = ROOT / "benchmarks" / "results" / "amd-epyc-2cores-course.json"


@pytest.mark.parametrize("lesson", LESSONS, ids=[lesson.name for lesson in LESSONS])
def test_quoted_run_times_are_the_recorded_ones(lesson):
    runs = json.loads(RUNS.read_text())
    assert run_time_mismatches(nbformat.read(str(lesson.source), 4), lesson.name, runs) == []


def test_run_times_are_spoken_from_the_record():
    assert [spoken_time(s) for s in (44.1, 13.8, 101, 150, 179.9, 196)] == [
        "about 45 seconds", "about 15 seconds", "about 1½ minutes", "about 2½ minutes", "about 3 minutes",
        "about 3½ minutes"]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(
        "| profile | time |\n|---|---|\n| `ci` | about 2 minutes (source: x) |\n| `gpu` | not measured yet |")])
    runs = {"ci": {"lessons": [{"lesson": "01_x", "seconds": 44.1}]}}
    assert run_time_mismatches(notebook, "01_x", runs) == [
        "01_x, profile ci: the text says 'about 2 minutes', the recorded run 'about 45 seconds': update the "
        "lesson's run-time row"]
