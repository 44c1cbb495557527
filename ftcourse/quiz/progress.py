"""Quiz progress: every checked answer and each question's review schedule, in one JSON file.

The file is `course_home()/quiz/progress.json`, so it follows FTCOURSE_HOME and a full reset of the
cache also resets progress. The notebook widget and the terminal quiz share it.

Never losing progress:
- a write rereads the file, changes one entry and replaces the file whole through a temporary file
  and `os.replace`, all under an exclusive lock on `progress.lock` (fcntl), so an interrupted write
  leaves the previous version and two quizzes answering at once lose nothing;
- a file that cannot be saved (read-only or missing folder) costs a one-line message, never the quiz;
- a file that is not a progress file is set aside (renamed, kept) with a plain one-line message, and
  only by a write: reading (a report, a list of what is due) never moves it;
- an entry that is not understood is kept in the file as it is and left out of schedules and reports,
  without discarding the others.

Spaced review (Leitner boxes): each question is in a box, 0 to 5. A right answer moves it up one box
and makes it due again after the box's interval (`INTERVALS`, in days); a wrong or partial answer,
or "don't know", puts it back in box 0, due the next day. Only the first answer of a day can move a
question up: a right answer after a miss the same day (eliminating choices until one is right) or a
second right answer the same day is recorded but leaves the schedule as it is. A question in box
`MASTERED` or above is mastered. The date comes from `today()`: FTCOURSE_QUIZ_TODAY (YYYY-MM-DD)
moves the clock, for tests and for trying a schedule out.

Version 1 files (no schedule, no history) are read as they are: each entry's box and due date are
derived from its last result, and the file is written as version 2 at the next answer.
"""
import fcntl
import json
import os
import sys
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from ..shared.errors import CourseError
from ..shared.paths import course_home, writable_home
from . import engine

VERSION = 2
FIELDS = {"attempts": int, "best_score": (int, float), "last_status": str, "timestamp": str}
INTERVALS = (1, 2, 4, 8, 16, 32)  # days until a question in box n is due again
MASTERED = 3
HISTORY = 50  # attempts kept per question (the oldest are dropped); `misses` counts them all
CLOCK = "FTCOURSE_QUIZ_TODAY"


# --- the clock --------------------------------------------------------------------------------------

def today() -> date:
    """The quiz's date: FTCOURSE_QUIZ_TODAY (YYYY-MM-DD) when set, else today's date in UTC."""
    text = os.environ.get(CLOCK, "").strip()
    if not text:
        return datetime.now(timezone.utc).date()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CourseError(f"{CLOCK} must be a date like 2026-03-01, got {text!r}: fix it or unset it") from None


def now() -> datetime:
    """The time an answer is recorded at: the current UTC time of day on `today()`."""
    current = datetime.now(timezone.utc).replace(microsecond=0)
    return datetime.combine(today(), current.timetz())


def progress_file() -> Path:
    return course_home() / "quiz" / "progress.json"


def say_on_stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- reading ------------------------------------------------------------------------------------------

@dataclass
class Snapshot:
    """The progress file as read: valid entries (with their schedule), and what could not be used."""
    entries: dict = field(default_factory=dict)  # question id -> entry, each with box, due, misses, history
    raw: dict = field(default_factory=dict)  # question id -> entry as stored (bad ones too): what a write keeps
    corrupt: str = ""  # why the whole file is no progress file ("" when it is, or when there is none)
    unreadable: str = ""  # why the file could not be read at all (permissions...): nothing may overwrite it
    bad: list = field(default_factory=list)  # ids of entries that are not understood (kept, not used)


def _day(text) -> date:
    return date.fromisoformat(text[:10])


def _with_schedule(entry: dict) -> dict:
    """The entry with box, due, misses and history; a version 1 entry gets them from its last result."""
    if "box" in entry:
        return entry
    box = 1 if entry["last_status"] == "correct" else 0
    return {**entry, "box": box, "due": (_day(entry["timestamp"]) + timedelta(INTERVALS[box])).isoformat(),
            "misses": entry["attempts"] - (1 if entry["best_score"] >= 1 else 0), "history": []}


def _valid(entry) -> bool:
    if not isinstance(entry, dict) or not all(isinstance(entry.get(k), t) for k, t in FIELDS.items()):
        return False
    try:
        _day(entry["timestamp"])
        if "box" not in entry:
            return True
        return (isinstance(entry["box"], int) and 0 <= entry["box"] < len(INTERVALS) and _day(entry["due"])
                and isinstance(entry["misses"], int) and isinstance(entry["history"], list)
                and all(isinstance(h, dict) and isinstance(h.get("time"), str) and isinstance(h.get("status"), str)
                        for h in entry["history"]))
    except (KeyError, TypeError, ValueError):
        return False


def read(path: Path = None) -> Snapshot:
    """The progress file, read without changing anything (a missing file is an empty progress)."""
    path = progress_file() if path is None else path
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Snapshot()
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        return Snapshot(corrupt=f"not JSON: {err}")
    except OSError as err:
        return Snapshot(unreadable=f"cannot read {path} ({err.strerror})")
    if not isinstance(data, dict) or data.get("version") not in (1, VERSION) \
            or not isinstance(data.get("questions"), dict):
        return Snapshot(corrupt=f"not a version {VERSION} progress file")
    found = Snapshot(raw=dict(data["questions"]))
    for qid, entry in data["questions"].items():
        if _valid(entry):
            found.entries[qid] = _with_schedule(entry)
        else:
            found.bad.append(qid)
    return found


def load() -> dict:
    """Question id -> entry (attempts, best_score, last_status, timestamp, box, due, misses, history);
    empty before the first answer, or when the file is not readable (which `read` says)."""
    return read().entries


# --- writing ------------------------------------------------------------------------------------------

@contextmanager
def _locked(folder: Path):
    """Hold the exclusive lock of the progress file: one reader-writer at a time, across processes."""
    fd = os.open(folder / "progress.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _write(folder: Path, entries: dict) -> None:
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".progress-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump({"version": VERSION, "questions": entries}, fh, indent=1, sort_keys=True)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, folder / "progress.json")
    finally:
        Path(tmp).unlink(missing_ok=True)


def _set_aside(path: Path) -> Path:
    kept = path.with_name(f"progress.corrupt-{datetime.now(timezone.utc):%Y%m%dT%H%M%S%f}.json")
    os.replace(path, kept)
    return kept


def updated(entry, result: engine.Result, when: datetime) -> dict:
    """`entry` (None for a first answer) after `result`, answered at `when`: counts, schedule, history."""
    entry = _with_schedule(entry) if entry else {"attempts": 0, "best_score": 0.0, "box": 0, "misses": 0,
                                                "history": []}
    day = when.date()
    answered_today = any(_day(h["time"]) == day for h in entry["history"])
    right = result.status == "correct"
    if not right:
        box, due = 0, day + timedelta(INTERVALS[0])
    elif answered_today:  # a right answer after a miss, or a second one, the same day: not more known
        box, due = entry["box"], _day(entry["due"]) if "due" in entry else day + timedelta(INTERVALS[0])
    else:
        box = min(entry["box"] + 1, len(INTERVALS) - 1)
        due = day + timedelta(INTERVALS[box])
    attempt = {"time": when.isoformat(), "answer": result.response, "status": result.status}
    return {**entry, "attempts": entry["attempts"] + 1, "best_score": max(entry["best_score"], result.score),
            "last_status": result.status, "timestamp": when.isoformat(), "box": box, "due": due.isoformat(),
            "misses": entry["misses"] + (not right), "history": (entry["history"] + [attempt])[-HISTORY:]}


def record(result: engine.Result, say=say_on_stderr) -> dict:
    """Add one checked answer to the progress file; returns the question's updated entry.

    Never raises for a file problem: a progress file that cannot be written leaves the quiz going
    without saving, and a corrupt one is set aside; `say` gets a one-line message for each.
    Open questions are recorded when the student assesses them, not when the model answer is shown.
    """
    if result.status == "self-assessed":
        raise CourseError(f"question {result.question.id} is not assessed yet: record the result of self_assess()")
    when = now()
    try:
        folder = writable_home() / "quiz"
        folder.mkdir(exist_ok=True)
        with _locked(folder):
            found = read(folder / "progress.json")
            if found.unreadable:
                raise CourseError(f"{found.unreadable}: check its permissions")
            if found.corrupt:
                kept = _set_aside(folder / "progress.json")
                say(f"The quiz progress file was unreadable ({found.corrupt}); it is kept as {kept} "
                    "and a fresh one was started.")
            entry = updated(found.entries.get(result.question.id), result, when)
            _write(folder, {**found.raw, result.question.id: entry})
    except (OSError, CourseError) as err:
        reason = str(err) if isinstance(err, CourseError) else \
            f"{err.strerror or err}: {err.filename or ''}".rstrip(": ")
        say(f"Progress not saved ({reason}); the quiz goes on without saving.")
        return updated(load().get(result.question.id), result, when)
    return entry


# --- what to review, and the report ----------------------------------------------------------------------

def missed(entries: dict = None) -> set:
    """Ids of questions answered before without full marks: the ones a review puts first."""
    entries = load() if entries is None else entries
    return {qid for qid, entry in entries.items() if entry["best_score"] < 1}


def due(entries: dict = None, day: date = None) -> list:
    """Ids of questions answered before and due for review by `day` (default today), most overdue first."""
    entries = load() if entries is None else entries
    day = today() if day is None else day
    found = [(_day(e["due"]), e["box"], qid) for qid, e in entries.items() if _day(e["due"]) <= day]
    return [qid for _, _, qid in sorted(found)]


def report(lesson=None, entries: dict = None, day: date = None) -> list:
    """One row per lesson of the bank (or only `lesson`): seen, mastered, due, score (sum of best scores)."""
    entries = load() if entries is None else entries
    day = today() if day is None else day
    lessons = [engine.lesson(lesson)] if lesson is not None else engine.load_bank().values()
    rows = []
    for found in lessons:
        done = [entries[q.id] for q in found.questions if q.id in entries]
        rows.append({"lesson": found.code, "title": found.title, "total": len(found.questions), "seen": len(done),
                     "mastered": sum(e["box"] >= MASTERED for e in done),
                     "due": sum(_day(e["due"]) <= day for e in done),
                     "score": sum(e["best_score"] for e in done)})
    return rows


def most_missed(lesson=None, entries: dict = None, limit: int = 5) -> list:
    """(misses, attempts, question) of the questions missed most (in one lesson or all), most first."""
    entries = load() if entries is None else entries
    found = [(entries[q.id]["misses"], entries[q.id]["attempts"], q) for q in engine.select(lesson)
             if q.id in entries and entries[q.id]["misses"]]
    return sorted(found, key=lambda x: (-x[0], x[2].id))[:limit]


def table(rows: list) -> str:
    """Rows of equal length as aligned text: the first column and text left, numbers right."""
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for row in rows:
        cells = [str(c).ljust(w) if i < 2 else str(c).rjust(w) for i, (c, w) in enumerate(zip(row, widths))]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def report_table(rows: list, missed_most: list = ()) -> str:
    """The report as aligned text: a line per lesson, a total line, then the questions missed most."""
    def line(code, title, total, seen, mastered, due_now, score):
        percent = f"{100 * score / total:.0f}%" if total else "-"
        return [code, title, f"{seen}/{total}", mastered, due_now, f"{score:g}/{total}", percent]

    total = [sum(r[k] for r in rows) for k in ("total", "seen", "mastered", "due", "score")]
    text = table([["lesson", "title", "seen", "mastered", "due", "score", ""]]
                 + [line(*(r[k] for k in ("lesson", "title", "total", "seen", "mastered", "due", "score")))
                    for r in rows]
                 + ([line("all", "", *total)] if len(rows) > 1 else []))
    if missed_most:
        text += "\n\nMissed most:\n" + table([["question", "section", "misses", "attempts"]] + [
            [q.id, q.section, m, a] for m, a, q in missed_most])
    return text
