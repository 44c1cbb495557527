"""The course run: executes a lesson in a fresh kernel, collects its key results, survives failures."""
import nbformat
import pytest

from ftcourse.runner import lessons as runner
from ftcourse.shared.profiles import PROFILES


def tiny_lesson(tmp_path, body):
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(body)])
    path = tmp_path / "tiny.ipynb"
    nbformat.write(notebook, path)
    return path


@pytest.fixture
def lesson_at(monkeypatch):
    def point_to(path):
        monkeypatch.setattr(runner, "source_notebook", lambda lesson: path)
    return point_to


def test_key_results_are_collected(tmp_path, lesson_at):
    lesson_at(tiny_lesson(tmp_path, "import ftcourse, os\n"
                                    "ftcourse.record_result('test accuracy', 0.5)\n"
                                    "ftcourse.record_result('profile', os.environ['FTCOURSE_PROFILE'])"))
    result = runner.run_lesson("tiny", PROFILES["ci"], tmp_path / "runs")
    assert result["ok"] and result["error"] is None
    assert result["results"] == [{"name": "test accuracy", "value": 0.5, "unit": ""},
                                 {"name": "profile", "value": "ci", "unit": ""}]
    assert (tmp_path / "runs" / "tiny" / "tiny.ipynb").exists()
    assert "test accuracy 0.500; profile ci" in runner.format_result(result)


def test_a_failing_lesson_is_reported_not_raised(tmp_path, lesson_at):
    lesson_at(tiny_lesson(tmp_path, "raise ValueError('broken lesson')"))
    result = runner.run_lesson("tiny", PROFILES["ci"], tmp_path / "runs")
    assert not result["ok"] and "broken lesson" in result["error"]
    assert "FAILED" in runner.format_result(result)


def test_a_recorded_lesson_replaces_only_its_own_row(tmp_path):
    def result(lesson, seconds):
        return {"lesson": lesson, "ok": True, "seconds": seconds, "results": [{"name": "acc", "value": 0.5}]}

    table = tmp_path / "course.json"
    runner.record([result("01_a", 90.0), result("02_b", 14.0)], PROFILES["ci"], table)
    runner.record([result("01_a", 95.0)], PROFILES["ci"], table)
    rows = [line for line in table.with_suffix(".md").read_text().splitlines() if line.startswith("| 0")]
    assert [row.split(" | ")[:2] for row in rows] == [["| 01_a", "95 s"], ["| 02_b", "14 s"]]


def test_progress_names_cells_time_and_section_and_no_kernel_warning_leaks(tmp_path, lesson_at, capfd):
    import io

    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# Title\n\n## 1. Warm-up"), nbformat.v4.new_code_cell("x = 1"),
        nbformat.v4.new_markdown_cell("## 2. The long part"), nbformat.v4.new_code_cell("import time; time.sleep(2.5)"),
        nbformat.v4.new_code_cell("y = 2")])
    path = tmp_path / "tiny.ipynb"
    nbformat.write(notebook, path)
    lesson_at(path)
    stream = io.StringIO()
    result = runner.run_lesson("tiny", PROFILES["ci"], tmp_path / "runs", progress_stream=stream)
    assert result["ok"]
    lines = stream.getvalue().splitlines()
    assert any("[1/3 cells]" in line and "2. The long part" in line for line in lines), lines
    assert all(line.startswith("  tiny [") for line in lines)
    assert "without encryption" not in capfd.readouterr().err
