"""Reference variants of a lesson's answers: how the course checks its own tests (mutation testing).

`solutions/<lesson>/instructor/variants.yaml` lists, per answer cell, answers written differently
that are right (`correct: true`: its tests must keep every point) and plausible wrong answers
(each with `why`: its tests must lose points); `slow: true` marks one that costs a full fine-tune
(`ftcourse mutants` tries it, the test suite's grading run leaves it out):

    ex5_answer:
      - id: filter-with-index
        correct: true
        code: |
          news = news_raw.filter(...)
      - id: keeps-last-copy
        why: keeps the last article of each group, not the first
        code: |
          ...

The code replaces the answer's stub in the student version, exactly as a student's would. A
grading run with `RunSettings.variants` tries every variant in the kernel of the reference
submission (see `snapshot.py`) and judges it with the same trusted checks as the answer itself;
`report` turns the verdicts into kill rates.
"""
from dataclasses import dataclass
from pathlib import Path

import yaml

from ..shared.catalogue import lesson as find_lesson
from ..shared.errors import CourseError
from .answers import STUB


@dataclass(frozen=True)
class Variant:
    answer: str  # grade_id of the answer cell it replaces
    id: str
    correct: bool
    why: str
    code: str
    slow: bool = False  # a full fine-tune: tried by `ftcourse mutants`, left out of the test suite's run


def load(lesson: str) -> list:
    """The variants of a lesson (none when it has no variants file); fails on a malformed file."""
    path = find_lesson(lesson).instructor / "variants.yaml"
    if not path.exists():
        return []
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as err:
        raise CourseError(f"{path} is not valid YAML ({' '.join(str(err).split())[:200]}): fix the file") from None
    found, seen = [], set()
    for answer, entries in raw.items():
        for entry in entries or []:
            if not isinstance(entry, dict) or not {"id", "code"} <= set(entry) or \
                    not entry.get("correct") and not entry.get("why"):
                raise CourseError(f"{path}: a variant of {answer} needs `id`, `code`, and `correct: true` or `why`")
            if (answer, entry["id"]) in seen:
                raise CourseError(f"{path}: two variants of {answer} are called {entry['id']}")
            seen.add((answer, entry["id"]))
            found.append(Variant(answer, str(entry["id"]), bool(entry.get("correct")), str(entry.get("why", "")),
                                 str(entry["code"]).rstrip("\n"), bool(entry.get("slow"))))
    return found


def cell_source(student_cell_source: str, code: str) -> str:
    """The answer cell as a student who wrote `code` would hand it in."""
    if not STUB.search(student_cell_source):
        return code
    return STUB.sub(lambda _: code, student_cell_source, count=1)


def report(results: dict) -> dict:
    """Kill rates from {lesson: [verdict rows]}: per lesson, the wrong variants that lost points, the
    correct ones that kept them, and the names of those that did not."""
    summary = {}
    for lesson, rows in results.items():
        wrong = [r for r in rows if not r["correct"]]
        right = [r for r in rows if r["correct"]]
        summary[lesson] = {
            "wrong": len(wrong), "killed": sum(not r["passed"] for r in wrong),
            "correct": len(right), "kept": sum(r["passed"] for r in right),
            "survivors": [f"{r['answer']}/{r['id']}" for r in wrong if r["passed"]],
            "rejected": [f"{r['answer']}/{r['id']}: {r['reason']}" for r in right if not r["passed"]],
        }
    return summary


def format_report(summary: dict) -> str:
    lines = [f"{'lesson':<22} {'wrong answers':>14} {'lost points':>12} {'kill rate':>10} "
             f"{'correct':>8} {'kept':>5}"]
    for lesson, s in summary.items():
        rate = f"{s['killed'] / s['wrong']:.0%}" if s["wrong"] else "-"
        lines.append(f"{lesson:<22} {s['wrong']:>14} {s['killed']:>12} {rate:>10} {s['correct']:>8} {s['kept']:>5}")
        lines += [f"    survived: {name}" for name in s["survivors"]]
        lines += [f"    REJECTED correct variant: {name}" for name in s["rejected"]]
    total_wrong = sum(s["wrong"] for s in summary.values())
    total_killed = sum(s["killed"] for s in summary.values())
    if total_wrong:
        lines.append(f"{'all':<22} {total_wrong:>14} {total_killed:>12} {total_killed / total_wrong:>10.0%}")
    return "\n".join(lines)


def path_of(lesson: str) -> Path:
    return find_lesson(lesson).instructor / "variants.yaml"
