"""The one results table: a row per measured figure, written as Markdown (to read) and JSON (to
compare runs). Rows carry their target and verdict so that a reader never has to look them up."""
import json
import statistics
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Optional

from .machine import header

COLUMNS = ("#", "comparison", "measure", "A", "B", "ratio", "target", "met", "notes")


@dataclass
class Row:
    item: int
    comparison: str
    measure: str  # says what A and B are and which way the ratio goes
    a: str
    b: str = ""
    ratio: Optional[float] = None
    target: str = "none"
    met: Optional[bool] = None  # None: no target, or nothing measured
    notes: str = ""
    data: dict = field(default_factory=dict)  # raw figures (every repeat), JSON only


def not_measured(item: int, comparison: str, why: str) -> Row:
    return Row(item, comparison, "-", "not measured", notes=why)


def median(values) -> float:
    return statistics.median(values)


def verdict(met: Optional[bool]) -> str:
    return {True: "yes", False: "**no**", None: "-"}[met]


def markdown(rows: list, machine: dict, run: dict) -> str:
    kind = ("**QUICK RUN** (`--quick`): tiny sizes that only check the suite works; the figures mean nothing"
            if run["quick"] else "full run")
    lines = [f"# Benchmarks on {machine['gpu'] or machine['cpu']}", "", header(machine),
             f"- run: {kind}; {run['repeats']} repeats per comparison, medians shown; `{run['command']}`",
             f"- sizes: {', '.join(f'{k}={v}' for k, v in run['sizes'].items())}", "",
             "| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for r in rows:
        cells = (r.item, r.comparison, r.measure, r.a, r.b, f"{r.ratio:.3g}x" if r.ratio is not None else "",
                 r.target, verdict(r.met), r.notes)
        lines.append("| " + " | ".join(str(c).replace("|", "/") for c in cells) + " |")
    budgets = {name: f" (budget {seconds:.0f})" for name, seconds in run["budget"].items()}
    lines += ["", "Time per item (seconds): " + ", ".join(
        f"{name} {spent:.0f}{budgets.get(name, '')}" for name, spent in run["spent"].items())]
    return "\n".join(lines) + "\n"


def write(rows: list, machine: dict, run: dict, folder: Path, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.json").write_text(json.dumps(
        {"machine": machine, "run": run, "rows": [asdict(r) for r in rows]}, indent=2) + "\n")
    path = folder / f"{name}.md"
    path.write_text(markdown(rows, machine, run))
    return path
