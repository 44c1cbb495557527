"""Quiz progress: where it is kept, how it is updated and reported, and what a corrupt file does."""
import json

import pytest

from ftcourse.quiz import engine, progress
from ftcourse.shared.errors import CourseError

SINGLE = engine.question("02-csv-splits")  # right: a
OPEN = engine.question("02-duplicates-by-body")
OTHER_OPEN = engine.question("04-confidence-interval")  # another lesson's


def test_results_go_to_the_course_home(empty_home):
    assert progress.progress_file() == empty_home / "quiz" / "progress.json"
    assert progress.load() == {}
    entry = progress.record(engine.check(SINGLE, "b"))
    assert entry["attempts"] == 1 and entry["best_score"] == 0.0 and entry["last_status"] == "incorrect"
    saved = json.loads((empty_home / "quiz" / "progress.json").read_text())
    assert saved["version"] == 1 and saved["questions"]["02-csv-splits"] == entry
    assert entry["timestamp"].endswith("+00:00")


def test_attempts_add_up_and_the_best_score_stays(empty_home):
    for response in ("a", "c"):
        progress.record(engine.check(SINGLE, response))
    entry = progress.load()["02-csv-splits"]
    assert (entry["attempts"], entry["best_score"], entry["last_status"]) == (2, 1.0, "incorrect")


def test_open_questions_are_recorded_once_assessed(empty_home):
    with pytest.raises(CourseError, match="not assessed yet"):
        progress.record(engine.check(OPEN, "my answer"))
    progress.record(engine.self_assess(OPEN, True))
    assert progress.load()["02-duplicates-by-body"]["last_status"] == "correct"


def test_a_failed_write_keeps_the_previous_file(empty_home, monkeypatch):
    progress.record(engine.check(SINGLE, "a"))
    before = progress.progress_file().read_bytes()

    def broken_dump(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(progress.json, "dump", broken_dump)
    with pytest.raises(OSError):
        progress.record(engine.check(SINGLE, "b"))
    assert progress.progress_file().read_bytes() == before
    assert [p.name for p in (empty_home / "quiz").iterdir()] == ["progress.json"], "no temporary file left"


@pytest.mark.parametrize("content, why", [
    ("{not json", "not JSON"),
    ("\xff\xfe", "not JSON"),
    ('["a list"]', "not a version 1 progress file"),
    ('{"version": 1, "questions": {"01-x": {"attempts": "two"}}}', "the entry of 01-x lacks"),
])
def test_a_corrupt_file_is_set_aside_and_a_fresh_one_started(empty_home, content, why):
    path = empty_home / "quiz" / "progress.json"
    path.parent.mkdir(parents=True)
    path.write_bytes(content.encode("latin-1"))
    with pytest.warns(UserWarning, match=why):
        entry = progress.record(engine.check(SINGLE, "a"))
    assert entry["attempts"] == 1
    kept = list(path.parent.glob("progress.corrupt-*.json"))
    assert len(kept) == 1 and kept[0].read_bytes() == content.encode("latin-1")
    assert progress.load()[SINGLE.id]["attempts"] == 1


def test_report_per_lesson_and_missed_questions(empty_home):
    progress.record(engine.check(SINGLE, "a"))
    progress.record(engine.check(engine.question("02-classlabel-why"), ["a"]))  # half right
    progress.record(engine.self_assess(OTHER_OPEN, False))
    rows = {row["lesson"]: row for row in progress.report()}
    in_02, in_all = len(engine.lesson("02").questions), len(engine.select())
    assert list(rows) == ["01", "02", "03", "04"]
    assert rows["02"] == {"lesson": "02", "title": "Custom datasets", "answered": 2, "total": in_02, "score": 1.5}
    assert rows["04"]["answered"] == 1 and rows["04"]["score"] == 0
    assert rows["01"]["answered"] == 0
    assert progress.missed() == {"02-classlabel-why", "04-confidence-interval"}
    table = progress.report_table(progress.report()).splitlines()
    assert table[0].split() == ["lesson", "title", "answered", "score"]
    assert table[2].split() == ["02", "Custom", "datasets", f"2/{in_02}", f"1.5/{in_02}", f"{150 / in_02:.0f}%"]
    assert table[-1].split() == ["all", f"3/{in_all}", f"1.5/{in_all}", f"{150 / in_all:.0f}%"]


def test_entries_of_questions_no_longer_in_the_bank_are_kept_but_not_counted(empty_home):
    """A progress file from before 01-eval-strategy moved to the graded quiz still works."""
    path = empty_home / "quiz" / "progress.json"
    path.parent.mkdir(parents=True)
    old = {"attempts": 2, "best_score": 0.0, "last_status": "incorrect", "timestamp": "2026-01-01T00:00:00+00:00"}
    path.write_text(json.dumps({"version": 1, "questions": {"01-eval-strategy": old}}))
    progress.record(engine.check(SINGLE, "a"))
    assert progress.load()["01-eval-strategy"] == old
    assert sum(row["answered"] for row in progress.report()) == 1
    assert engine.Quiz("01", seed=0, first=progress.missed()).questions == engine.Quiz("01", seed=0).questions
