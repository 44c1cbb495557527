"""Quiz progress: every checked answer, kept per question in one JSON file in the course cache folder.

The file is `course_home()/quiz/progress.json`, so it follows FTCOURSE_HOME and a full reset of the
cache also resets progress. It is rewritten whole through a temporary file and `os.replace`, so an
interrupted write leaves the previous version, never half a file. The notebook widget and the
terminal quiz share it.
"""
import json
import os
import tempfile
import warnings
from datetime import datetime, timezone
from pathlib import Path

from ..shared.errors import CourseError
from ..shared.paths import course_home, writable_home
from . import engine

VERSION = 1
FIELDS = {"attempts": int, "best_score": (int, float), "last_status": str, "timestamp": str}


def progress_file() -> Path:
    return course_home() / "quiz" / "progress.json"


def _set_aside(path: Path, why: str) -> dict:
    """Keep an unreadable file for inspection, warn, and start afresh: a quiz must not stop on it."""
    kept = path.with_name(f"progress.corrupt-{datetime.now(timezone.utc):%Y%m%dT%H%M%S%f}.json")
    os.replace(path, kept)
    warnings.warn(f"the quiz progress file was unreadable ({why}); it was kept as {kept} and a fresh one started",
                  stacklevel=3)
    return {}


def load() -> dict:
    """Question id -> {attempts, best_score, last_status, timestamp}; empty before the first answer."""
    path = progress_file()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        return _set_aside(path, f"not JSON: {err}")
    except OSError as err:
        raise CourseError(f"cannot read the quiz progress file {path} ({err.strerror}): check its permissions") from None
    if not isinstance(data, dict) or data.get("version") != VERSION or not isinstance(data.get("questions"), dict):
        return _set_aside(path, f"not a version {VERSION} progress file")
    for qid, entry in data["questions"].items():
        if not isinstance(entry, dict) or not all(isinstance(entry.get(k), t) for k, t in FIELDS.items()):
            return _set_aside(path, f"the entry of {qid} lacks {', '.join(FIELDS)}")
    return data["questions"]


def _write(entries: dict) -> None:
    folder = writable_home() / "quiz"
    folder.mkdir(exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".progress-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump({"version": VERSION, "questions": entries}, fh, indent=1, sort_keys=True)
        os.replace(tmp, folder / "progress.json")
    finally:
        Path(tmp).unlink(missing_ok=True)


def record(result: engine.Result) -> dict:
    """Add one checked answer to the progress file; returns the question's updated entry.

    Open questions are recorded when the student assesses them, not when the model answer is shown.
    """
    if result.status == "self-assessed":
        raise CourseError(f"question {result.question.id} is not assessed yet: record the result of self_assess()")
    entries = load()
    entry = entries.get(result.question.id, {"attempts": 0, "best_score": 0.0})
    entry.update(attempts=entry["attempts"] + 1, best_score=max(entry["best_score"], result.score),
                 last_status=result.status, timestamp=datetime.now(timezone.utc).isoformat(timespec="seconds"))
    entries[result.question.id] = entry
    _write(entries)
    return entry


def missed(entries: dict = None) -> set:
    """Ids of questions answered before without full marks: the ones a review puts first."""
    entries = load() if entries is None else entries
    return {qid for qid, entry in entries.items() if entry["best_score"] < 1}


def report() -> list:
    """One row per lesson of the bank: questions answered, their total, and the sum of best scores."""
    entries = load()
    rows = []
    for lesson in engine.load_bank().values():
        done = [entries[q.id] for q in lesson.questions if q.id in entries]
        rows.append({"lesson": lesson.code, "title": lesson.title, "answered": len(done),
                     "total": len(lesson.questions), "score": sum(e["best_score"] for e in done)})
    return rows


def report_table(rows: list) -> str:
    """The report as a plain-text table, with a total line."""
    def line(code, title, answered, total, score):
        percent = f"{100 * score / total:.0f}%" if total else "-"
        return f"{code:<7}{title:<22}{f'{answered}/{total}':>9}{f'{score:g}/{total}':>10}{percent:>6}"

    total = [sum(r[k] for r in rows) for k in ("answered", "total", "score")]
    header = f"{'lesson':<7}{'title':<22}{'answered':>9}{'score':>10}{'':>6}"
    return "\n".join([header] + [line(r["lesson"], r["title"], r["answered"], r["total"], r["score"]) for r in rows]
                     + [line("all", "", *total)])
