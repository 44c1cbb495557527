"""`ftcourse report`: item analysis of every graded test, and the similarity report, from the gradebook.

For each assignment and each autograded test, over the submissions in nbgrader's gradebook:
how many attempted it (changed its answer cell from the student version), how many passed (full
points), the discrimination index, and the most common reasons for failing (the grader's verdict
in the autograded notebook's test cell, `breakdown.py`; "not answered" when the answer cell was
left as given). The discrimination index is the corrected item-total correlation: the correlation
between passing this test (1/0) and the score on the rest of the assignment; near 1 the test
separates the students who did the work from those who did not, near 0 or below it does not track
the rest. Flags: `everyone fails` (broken, or too hard), `everyone passes` (too easy, or not
testing anything), `not tracking` (discrimination below 0.2 with 5 submissions or more: look at
the test), `not answered by N` (N students failed it without answering: they are listed).

The report prints a table and writes one HTML page (`<workspace>/report/report.html`) with a plot
per assignment (matplotlib PNGs embedded as base64: no file beside it, nothing from a CDN) and the
similarity report (`similarity.py`) with the cells of each pair side by side.
"""
import base64
import html
import io
import math
from collections import Counter
from dataclasses import dataclass, field

from .breakdown import scores
from .similarity import THRESHOLD, similar_pairs
from ..shared.paths import write_atomic

NOT_ANSWERED = "not answered"
TRACKING = 0.2  # below this discrimination index, a test does not track the rest of the assignment


@dataclass
class Item:
    assignment: str
    cell: str
    max_score: float
    submitted: int = 0
    attempted: int = 0
    passed: int = 0
    discrimination: float = None
    reasons: Counter = field(default_factory=Counter)
    who: dict = field(default_factory=dict)  # reason -> students
    flags: list = field(default_factory=list)

    @property
    def share_passed(self) -> float:
        return self.passed / self.submitted if self.submitted else 0.0


@dataclass
class Assignment:
    name: str
    max_score: float
    totals: dict  # student -> score
    items: list


def correlation(xs: list, ys: list):
    """Pearson's r, or None when either side does not vary."""
    n = len(xs)
    if n < 2:
        return None
    mx, my = sum(xs) / n, sum(ys) / n
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys))
    sxx, syy = sum((x - mx) ** 2 for x in xs), sum((y - my) ** 2 for y in ys)
    if sxx == 0 or syy == 0:
        return None
    return sxy / math.sqrt(sxx * syy)


def flags(item: Item) -> list:
    """What to look at in a test: everyone fails, everyone passes, not tracking, not answered by N."""
    found = []
    if item.submitted >= 2 and item.passed == 0:
        found.append("everyone fails")
    if item.submitted >= 2 and item.passed == item.submitted:
        found.append("everyone passes")
    if item.submitted >= 5 and item.discrimination is not None and item.discrimination < TRACKING:
        found.append("not tracking")
    if item.reasons.get(NOT_ANSWERED):
        found.append(f"not answered by {item.reasons[NOT_ANSWERED]}")
    return found


def analyse(workspace, gb, assignments=None) -> list:
    """The item analysis of every assignment (or those named) in the gradebook."""
    found = []
    for record in sorted(gb.assignments, key=lambda a: a.name):
        if assignments and record.name not in assignments:
            continue
        cells = {s.student.id: scores(workspace, s) for s in gb.assignment_submissions(record.name)}
        totals = {student: sum(c.score for c in found_cells) for student, found_cells in cells.items()}
        items = {}
        for student, found_cells in sorted(cells.items()):
            for cell in found_cells:
                if cell.by_hand:
                    continue
                item = items.setdefault(cell.cell, Item(record.name, cell.cell, cell.max_score))
                item.submitted += 1
                item.attempted += cell.answered
                item.passed += cell.passed
                if not cell.passed:
                    reason = NOT_ANSWERED if not cell.answered else (cell.reason or "lost points")
                    item.reasons[reason] += 1
                    item.who.setdefault(reason, []).append(student)
        for item in items.values():
            passes, rests = [], []
            for student, found_cells in cells.items():
                mine = next((c for c in found_cells if c.cell == item.cell), None)
                if mine is not None:
                    passes.append(1.0 if mine.passed else 0.0)
                    rests.append(totals[student] - mine.score)
            item.discrimination = correlation(passes, rests)
            item.flags = flags(item)
        found.append(Assignment(record.name, float(record.max_score), totals, list(items.values())))
    return found


def table(analysed: list) -> str:
    lines = []
    for assignment in analysed:
        n = len(assignment.totals)
        mean = sum(assignment.totals.values()) / n if n else 0.0
        lines.append(f"{assignment.name}: {n} submissions, mean {mean:.1f} / {assignment.max_score:g}")
        lines.append(f"  {'test':<14} {'pts':>4} {'attempted':>9} {'passed':>7} {'share':>6} {'disc.':>6}  "
                     f"{'flags':<38} most common failure of an attempt")
        for item in assignment.items:
            disc = "-" if item.discrimination is None else f"{item.discrimination:.2f}"
            tried = [(r, n) for r, n in item.reasons.most_common() if r != NOT_ANSWERED]  # flagged apart
            common = f"{tried[0][0][:70]} ({tried[0][1]})" if tried else ""
            lines.append(f"  {item.cell:<14} {item.max_score:>4g} {item.attempted:>5}/{item.submitted:<3} "
                         f"{item.passed:>3}/{item.submitted:<3} {item.share_passed:>6.0%} {disc:>6}  "
                         f"{', '.join(item.flags):<38} {common}")
        lines.append("")
    return "\n".join(lines).rstrip()


def pairs_table(pairs: list, threshold: float) -> str:
    if not pairs:
        return f"similarity: no pair of submissions at or above {threshold:.2f}"
    lines = [f"similarity (evidence for a person to read, never a penalty): {len(pairs)} pair(s) at or above "
             f"{threshold:.2f}"]
    for pair in pairs:
        lines.append(f"  {pair.assignment}: {pair.first} and {pair.second}: {pair.similarity:.2f} "
                     f"({pair.shared} shared shingles; cells {', '.join(c[0] for c in pair.cells)})")
    return "\n".join(lines)


def _png(figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def plot(assignment: Assignment) -> str:
    """A base64 PNG: the share that attempted and passed each test (red: flagged everyone fails or
    not tracking) beside the distribution of totals."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 3.2), gridspec_kw={"width_ratios": [2, 1]})
    names = [item.cell for item in assignment.items]
    shares = [item.share_passed for item in assignment.items]
    colours = ["#c0392b" if {"everyone fails", "not tracking"} & set(item.flags) else "#2e86c1"
               for item in assignment.items]
    attempted = [item.attempted / item.submitted if item.submitted else 0.0 for item in assignment.items]
    left.bar(names, attempted, color="#d5dbdb", label="attempted")
    left.bar(names, shares, color=colours, width=0.5, label="passed (red: flagged)")
    left.set_ylim(0, 1.15)
    left.set_ylabel("share of submissions")
    left.legend(loc="upper right", fontsize="small", ncol=2)
    left.tick_params(axis="x", rotation=45)
    left.set_title(f"{assignment.name}: tests")
    right.hist(list(assignment.totals.values()), bins=max(3, min(10, int(assignment.max_score) or 1)),
               range=(0, assignment.max_score or 1), color="#7f8c8d")
    right.set_xlabel("score")
    right.set_ylabel("submissions")
    right.set_title("totals")
    try:
        return _png(figure)
    finally:
        plt.close(figure)


STYLE = ("body{font-family:sans-serif;max-width:75em;margin:2em auto;padding:0 1em}"
         "table{border-collapse:collapse;margin-bottom:1.5em}td,th{border:1px solid #ccc;padding:.25em .5em;"
         "text-align:left;vertical-align:top}.flag{color:#a00}pre{background:#f6f6f6;padding:.5em;margin:0;"
         "white-space:pre-wrap;font-size:85%}.side td{width:50%}")


def page(analysed: list, pairs: list, threshold: float) -> str:
    e = html.escape
    parts = ["<!DOCTYPE html><html><head><meta charset='utf-8'><title>Item analysis and similarity</title>"
             f"<style>{STYLE}</style></head><body><h1>Item analysis</h1>"
             "<p>Discrimination: correlation between passing a test and the score on the rest of the "
             "assignment. Flags point at tests to look at; they change no score.</p>"]
    for assignment in analysed:
        parts.append(f"<h2>{e(assignment.name)}</h2><img alt='tests of {e(assignment.name)}' "
                     f"src='data:image/png;base64,{plot(assignment)}'>"
                     "<table><tr><th>test</th><th>points</th><th>attempted</th><th>passed</th><th>discrimination</th>"
                     "<th>flags</th><th>failure reasons (students)</th></tr>")
        for item in assignment.items:
            disc = "-" if item.discrimination is None else f"{item.discrimination:.2f}"
            reasons = "<br>".join(f"{e(reason)} ({n}: {e(', '.join(item.who[reason]))})"
                                  for reason, n in item.reasons.most_common(3))
            parts.append(f"<tr><td>{e(item.cell)}</td><td>{item.max_score:g}</td>"
                         f"<td>{item.attempted}/{item.submitted}</td><td>{item.passed}/{item.submitted}</td>"
                         f"<td>{disc}</td><td class='flag'>{e(', '.join(item.flags))}</td><td>{reasons}</td></tr>")
        parts.append("</table>")
    parts.append(f"<h1>Similarity</h1><p>Pairs of submissions whose answers are alike at or above {threshold:.2f} "
                 "(Jaccard index of code shingles with names, comments and whitespace normalised; code given in "
                 "the student version, the model answer and common idiom left out). Evidence for a person to "
                 "read, never a penalty.</p>")
    if not pairs:
        parts.append("<p>No pair.</p>")
    for pair in pairs:
        parts.append(f"<h2>{e(pair.assignment)}: {e(pair.first)} and {e(pair.second)}: {pair.similarity:.2f}</h2>"
                     f"<table class='side'><tr><th>{e(pair.first)}</th><th>{e(pair.second)}</th></tr>")
        for cell, similarity, left, right in pair.cells:
            parts.append(f"<tr><th colspan='2'>{e(cell)}: {similarity:.2f}</th></tr>"
                         f"<tr><td><pre>{e(left)}</pre></td><td><pre>{e(right)}</pre></td></tr>")
        parts.append("</table>")
    parts.append("</body></html>")
    return "".join(parts)


def report(workspace, assignments=None, threshold: float = THRESHOLD, out=None, log=print):
    """Print the item analysis and the similar pairs; write the HTML page. (analysed, pairs, page path)"""
    from ..shared.catalogue import lesson

    names = [lesson(a).name for a in assignments] if assignments else None
    with workspace.gradebook() as gb:
        analysed = analyse(workspace, gb, names)
        pairs = similar_pairs(workspace, gb, threshold, names)
    path = write_atomic(out or workspace.root / "report" / "report.html", page(analysed, pairs, threshold))
    log(table(analysed))
    log("")
    log(pairs_table(pairs, threshold))
    log(f"\nreport with plots: {path}")
    return analysed, pairs, path
