"""Quiz progress: where it is kept, how it is updated, scheduled and reported, and that nothing is lost:
concurrent writers, unwritable folders, corrupt files and bad entries."""
import json
import multiprocessing
import os
import re
from datetime import date

import pytest

from ftcourse.quiz import engine, progress, terminal
from ftcourse.shared.errors import CourseError

SINGLE = engine.question("02-csv-splits")  # right: a
OPEN = engine.question("02-duplicates-by-body")
OTHER_OPEN = engine.question("04-confidence-interval")  # another lesson's
NUMERIC = engine.question("01-warmup-count")


def on(monkeypatch, day: str):
    monkeypatch.setenv(progress.CLOCK, day)


def quiet_record(result):
    said = []
    entry = progress.record(result, say=said.append)
    return entry, said


def test_results_go_to_the_course_home(empty_home, monkeypatch):
    on(monkeypatch, "2026-03-02")
    assert progress.progress_file() == empty_home / "quiz" / "progress.json"
    assert progress.load() == {}
    entry, said = quiet_record(engine.check(SINGLE, "b"))
    assert said == []
    assert entry["attempts"] == 1 and entry["best_score"] == 0.0 and entry["last_status"] == "incorrect"
    saved = json.loads((empty_home / "quiz" / "progress.json").read_text())
    assert saved["version"] == 2 and saved["questions"]["02-csv-splits"] == entry
    assert entry["timestamp"].startswith("2026-03-02T") and entry["timestamp"].endswith("+00:00")
    assert entry["history"] == [{"time": entry["timestamp"], "answer": "b", "status": "incorrect"}]


def test_attempts_add_up_and_the_best_score_stays(empty_home):
    for response in ("a", "c"):
        progress.record(engine.check(SINGLE, response))
    entry = progress.load()["02-csv-splits"]
    assert (entry["attempts"], entry["best_score"], entry["last_status"]) == (2, 1.0, "incorrect")
    assert [h["answer"] for h in entry["history"]] == ["a", "c"] and entry["misses"] == 1


def test_open_questions_are_recorded_once_assessed(empty_home):
    with pytest.raises(CourseError, match="not assessed yet"):
        progress.record(engine.check(OPEN, "my answer"))
    progress.record(engine.self_assess(OPEN, True))
    assert progress.load()["02-duplicates-by-body"]["last_status"] == "correct"
    assert progress.load()["02-duplicates-by-body"]["history"][0]["answer"] == "understood"


def test_dont_know_is_recorded_as_such_and_shows_the_answer(empty_home):
    result = engine.dont_know(NUMERIC)
    assert result.status == "unknown" and result.score == 0 and f"{NUMERIC.answer:g}" in result.feedback[0]
    entry = progress.record(result)
    assert entry["last_status"] == "unknown" and entry["history"][0]["answer"] is None
    assert entry["box"] == 0 and entry["misses"] == 1


# --- the schedule -------------------------------------------------------------------------------------------

def test_right_pushes_back_wrong_brings_forward(empty_home, monkeypatch):
    on(monkeypatch, "2026-03-02")
    entry = progress.record(engine.check(SINGLE, "a"))
    assert (entry["box"], entry["due"]) == (1, "2026-03-04")
    on(monkeypatch, "2026-03-04")
    entry = progress.record(engine.check(SINGLE, "a"))
    assert (entry["box"], entry["due"]) == (2, "2026-03-08")
    on(monkeypatch, "2026-03-08")
    entry = progress.record(engine.check(SINGLE, "a"))
    assert (entry["box"], entry["due"]) == (3, "2026-03-16")
    assert progress.report("02")[0]["mastered"] == 1
    on(monkeypatch, "2026-03-16")
    entry = progress.record(engine.check(SINGLE, "c"))
    assert (entry["box"], entry["due"]) == (0, "2026-03-17"), "a miss starts over, due the next day"
    assert progress.report("02")[0]["mastered"] == 0


def test_right_after_a_miss_the_same_day_is_not_known(empty_home, monkeypatch):
    """Eliminating choices until one is right, or answering twice in a day, does not move a question up."""
    on(monkeypatch, "2026-03-02")
    progress.record(engine.check(SINGLE, "b"))
    progress.record(engine.check(SINGLE, "c"))
    entry = progress.record(engine.check(SINGLE, "a"))
    assert (entry["box"], entry["due"], entry["last_status"]) == (0, "2026-03-03", "correct")
    assert [h["status"] for h in entry["history"]] == ["incorrect", "incorrect", "correct"]
    on(monkeypatch, "2026-03-03")
    assert progress.record(engine.check(SINGLE, "a"))["box"] == 1
    assert progress.record(engine.check(SINGLE, "a"))["box"] == 1, "a second right answer the same day"


def test_due_across_lessons_most_overdue_first(empty_home, monkeypatch):
    on(monkeypatch, "2026-03-02")
    progress.record(engine.check(SINGLE, "a"))  # due 03-04
    progress.record(engine.check(NUMERIC, "1"))  # wrong: due 03-03
    progress.record(engine.self_assess(OTHER_OPEN, True))  # due 03-04
    assert progress.due() == []
    assert progress.due(day=date(2026, 3, 3)) == [NUMERIC.id]
    on(monkeypatch, "2026-03-10")
    assert progress.due() == [NUMERIC.id, SINGLE.id, OTHER_OPEN.id], "by due date, then box, then id"
    rows = {row["lesson"]: row for row in progress.report()}
    assert (rows["01"]["seen"], rows["01"]["due"], rows["03"]["seen"]) == (1, 1, 0)


def test_the_clock_must_be_a_date(monkeypatch):
    on(monkeypatch, "next tuesday")
    with pytest.raises(CourseError, match="FTCOURSE_QUIZ_TODAY must be a date like 2026-03-01, got 'next tuesday'"):
        progress.today()
    on(monkeypatch, "2026-02-28")
    assert progress.today() == date(2026, 2, 28) and progress.now().date() == date(2026, 2, 28)


# --- never losing progress ------------------------------------------------------------------------------

def _writer(home: str, worker: int, rounds: int) -> None:
    os.environ["FTCOURSE_HOME"] = home
    mine = engine.select("01")[worker]
    for n in range(rounds):
        progress.record(engine.check(SINGLE, "a" if n % 2 else "b"), say=lambda m: None)
        progress.record(engine.dont_know(mine), say=lambda m: None)


def test_concurrent_writers_lose_nothing(empty_home):
    workers, rounds = 4, 15
    context = multiprocessing.get_context("fork")
    processes = [context.Process(target=_writer, args=(str(empty_home), i, rounds)) for i in range(workers)]
    for p in processes:
        p.start()
    for p in processes:
        p.join(60)
    assert [p.exitcode for p in processes] == [0] * workers
    entries = progress.load()
    assert entries[SINGLE.id]["attempts"] == workers * rounds
    assert [entries[q.id]["attempts"] for q in engine.select("01")[:workers]] == [rounds] * workers
    assert not list((empty_home / "quiz").glob(".progress-*")), "no temporary file left"


def test_a_failed_write_keeps_the_previous_file_and_the_quiz_goes_on(empty_home, monkeypatch):
    progress.record(engine.check(SINGLE, "a"))
    before = progress.progress_file().read_bytes()

    def broken_dump(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(progress.json, "dump", broken_dump)
    entry, said = quiet_record(engine.check(SINGLE, "b"))
    assert entry["attempts"] == 2, "the answer is still judged and counted in this sitting"
    assert said == ["Progress not saved (No space left on device); the quiz goes on without saving."]
    assert progress.progress_file().read_bytes() == before
    assert sorted(p.name for p in (empty_home / "quiz").iterdir()) == ["progress.json", "progress.lock"]


def test_a_read_only_progress_folder(empty_home, monkeypatch):
    (empty_home / "quiz").mkdir(parents=True)

    def refused(*args, **kwargs):  # what a read-only folder answers, even to root
        raise PermissionError(13, "Permission denied", str(empty_home / "quiz"))

    monkeypatch.setattr(progress.tempfile, "mkstemp", refused)
    entry, said = quiet_record(engine.check(SINGLE, "a"))
    assert entry["attempts"] == 1 and len(said) == 1 and "\n" not in said[0]
    assert said[0].startswith(f"Progress not saved (Permission denied: {empty_home / 'quiz'})")
    assert not progress.progress_file().exists()


@pytest.mark.parametrize("where", ["under a file", "in /sys"])
def test_a_missing_folder_that_cannot_be_made(tmp_path, monkeypatch, where):
    if where == "under a file":
        (tmp_path / "file").write_text("")
        home = tmp_path / "file" / "home"
    else:
        home = "/sys/ftcourse-no-such-folder"
        if not os.path.isdir("/sys"):
            pytest.skip("no /sys here")
    monkeypatch.setenv("FTCOURSE_HOME", str(home))
    entry, said = quiet_record(engine.check(SINGLE, "a"))
    assert entry["attempts"] == 1
    assert len(said) == 1 and said[0].startswith("Progress not saved (the course cache folder")
    assert "set FTCOURSE_HOME to a writable folder" in said[0]


@pytest.mark.parametrize("content, why", [
    ("{not json", "not JSON"),
    ("\xff\xfe", "not JSON"),
    ('["a list"]', "not a version 2 progress file"),
])
def test_a_corrupt_file_is_set_aside_once_and_only_by_a_write(empty_home, content, why):
    path = empty_home / "quiz" / "progress.json"
    path.parent.mkdir(parents=True)
    path.write_bytes(content.encode("latin-1"))
    assert progress.load() == {} and progress.due() == [] and progress.report()[0]["seen"] == 0
    assert progress.read().corrupt.startswith(why)
    assert f"The progress file is unreadable ({why}" in terminal.report()
    assert path.read_bytes() == content.encode("latin-1"), "reading never moves the file"
    entry, said = quiet_record(engine.check(SINGLE, "a"))
    assert entry["attempts"] == 1
    kept = list(path.parent.glob("progress.corrupt-*.json"))
    assert len(kept) == 1 and kept[0].read_bytes() == content.encode("latin-1")
    assert said == [f"The quiz progress file was unreadable ({progress.read(kept[0]).corrupt}); it is kept as "
                    f"{kept[0]} and a fresh one was started."]
    _, said = quiet_record(engine.check(SINGLE, "a"))
    assert said == [] and len(list(path.parent.glob("progress.corrupt-*.json"))) == 1, "set aside once"
    assert progress.load()[SINGLE.id]["attempts"] == 2


def test_one_bad_entry_does_not_discard_the_others(empty_home):
    path = empty_home / "quiz" / "progress.json"
    path.parent.mkdir(parents=True)
    good = {"attempts": 1, "best_score": 1.0, "last_status": "correct", "timestamp": "2026-01-01T10:00:00+00:00"}
    bad = {"attempts": "two"}
    path.write_text(json.dumps({"version": 1, "questions": {"01-eval-prefix": good, "01-x": bad}}))
    found = progress.read()
    assert list(found.entries) == ["01-eval-prefix"] and found.bad == ["01-x"] and not found.corrupt
    assert "Entries of the progress file that could not be read (kept in the file, not counted): 01-x." in \
        terminal.report().splitlines()
    _, said = quiet_record(engine.check(SINGLE, "a"))
    assert said == []
    saved = json.loads(path.read_text())["questions"]
    assert saved["01-x"] == bad and saved["01-eval-prefix"] == good, "kept as they were"
    assert set(progress.load()) == {"01-eval-prefix", SINGLE.id}


def test_a_version_1_file_is_read_and_kept(empty_home, monkeypatch):
    """Progress from before the schedule: each entry's box and due date follow from its last result."""
    path = empty_home / "quiz" / "progress.json"
    path.parent.mkdir(parents=True)
    right = {"attempts": 2, "best_score": 1.0, "last_status": "correct", "timestamp": "2026-01-01T10:00:00+00:00"}
    wrong = {"attempts": 3, "best_score": 0.5, "last_status": "partial", "timestamp": "2026-01-05T10:00:00+00:00"}
    path.write_text(json.dumps({"version": 1, "questions": {"01-eval-prefix": right, "01-best-metric": wrong}}))
    entries = progress.load()
    assert {k: entries["01-eval-prefix"][k] for k in ("box", "due", "misses")} == {"box": 1, "due": "2026-01-03",
                                                                                  "misses": 1}
    assert {k: entries["01-best-metric"][k] for k in ("box", "due", "misses")} == {"box": 0, "due": "2026-01-06",
                                                                                  "misses": 3}
    on(monkeypatch, "2026-01-10")
    entry = progress.record(engine.check(engine.question("01-eval-prefix"), "eval_accuracy"))
    assert (entry["attempts"], entry["box"], entry["due"]) == (3, 2, "2026-01-14")
    assert json.loads(path.read_text())["questions"]["01-best-metric"] == wrong
    assert progress.missed() == {"01-best-metric"}


def test_entries_of_questions_no_longer_in_the_bank_are_kept_but_not_counted(empty_home):
    """A progress file from before 01-eval-strategy moved to the graded quiz still works."""
    path = empty_home / "quiz" / "progress.json"
    path.parent.mkdir(parents=True)
    old = {"attempts": 2, "best_score": 0.0, "last_status": "incorrect", "timestamp": "2026-01-01T00:00:00+00:00"}
    path.write_text(json.dumps({"version": 1, "questions": {"01-eval-strategy": old}}))
    progress.record(engine.check(SINGLE, "a"))
    assert json.loads(path.read_text())["questions"]["01-eval-strategy"] == old
    assert sum(row["seen"] for row in progress.report()) == 1
    assert engine.Quiz("01", seed=0, first=progress.missed()).questions == engine.Quiz("01", seed=0).questions


# --- the report ------------------------------------------------------------------------------------------

def test_report_per_lesson_aligned_with_the_questions_missed_most(empty_home, monkeypatch):
    on(monkeypatch, "2026-03-02")
    progress.record(engine.check(SINGLE, "a"))
    progress.record(engine.check(engine.question("02-classlabel-why"), ["a"]))  # half right
    progress.record(engine.self_assess(OTHER_OPEN, False))
    progress.record(engine.self_assess(OTHER_OPEN, False))
    rows = {row["lesson"]: row for row in progress.report()}
    in_02, in_all = len(engine.lesson("02").questions), len(engine.select())
    assert list(rows) == ["01", "02", "03", "04", "05"]
    assert rows["02"] == {"lesson": "02", "title": "Custom datasets", "total": in_02, "seen": 2, "mastered": 0,
                          "due": 0, "score": 1.5}
    assert rows["04"]["seen"] == 1 and rows["04"]["score"] == 0 and rows["01"]["seen"] == 0
    assert progress.missed() == {"02-classlabel-why", "04-confidence-interval"}
    text = progress.report_table(progress.report(), progress.most_missed())
    lines = text.splitlines()
    assert lines[0].split() == ["lesson", "title", "seen", "mastered", "due", "score"]
    assert lines[2].split() == ["02", "Custom", "datasets", f"2/{in_02}", "0", "0", f"1.5/{in_02}",
                                f"{150 / in_02:.0f}%"]
    assert lines[6].split() == ["all", f"3/{in_all}", "0", "0", f"1.5/{in_all}", f"{150 / in_all:.0f}%"]
    assert len({len(line) for line in lines[1:7]}) == 1, "numbers right-aligned: every row ends in one column"
    assert len({line.index(" ", 3) for line in lines[1:7]} - {3}) <= 1
    seen_ends = {re.search(r"\d+/\d+", line).end() for line in lines[1:7]}
    assert seen_ends == {lines[0].index("seen") + len("seen")}, "seen lines up, right-aligned under its heading"
    assert lines[8] == "Missed most:"
    assert lines[10].split()[:1] == ["04-confidence-interval"] and lines[10].split()[-2:] == ["2", "2"]
    assert lines[11].split()[0] == "02-classlabel-why"
    one = progress.report_table(progress.report("2")).splitlines()
    assert len(one) == 2 and one[1].split()[0] == "02", "one lesson: no total line"


def test_report_columns_line_up(empty_home):
    """Every column starts at the same place on every line, whatever the titles' lengths."""
    text = progress.table([["lesson", "title", "seen"], ["01", "A very long lesson title", "10/11"],
                           ["all", "", "10/22"]])
    lines = text.splitlines()
    assert [line.index("seen") if i == 0 else None for i, line in enumerate(lines)][0] == \
        lines[1].index("10/11") + len("10/11") - len("seen")
    assert lines[2].endswith("10/22") and len(lines[1]) == len(lines[2])
