"""Key results of a lesson run: shown to the student, and collected by the course run.

`make course` executes every lesson and sets FTCOURSE_RESULTS to a JSON Lines file; each
`record_result` call appends to it, so the run can print a per-lesson summary without parsing
notebook output.
"""
import json
import os

ENV_RESULTS = "FTCOURSE_RESULTS"


def record_result(name: str, value, unit: str = "") -> None:
    """Print `name: value` and, inside a course run, record it for the summary."""
    shown = f"{value:.4g}" if isinstance(value, float) else str(value)
    print(f"key result: {name} = {shown}{(' ' + unit) if unit else ''}")
    target = os.environ.get(ENV_RESULTS)
    if target:
        with open(target, "a", encoding="utf-8") as fh:
            fh.write(json.dumps({"name": name, "value": value, "unit": unit}) + "\n")
