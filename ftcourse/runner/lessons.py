"""The course run (`make course`): every lesson, executed in the active profile.

What runs is what a student who solved the lesson runs: `ftcourse run` hands in each lesson's
student version with the reference answers filled in (`notebook_for`; its visible tests run, the
grader's hidden tests are not part of it). Without `notebook_for`, the solution notebook itself runs.
Each lesson runs in a fresh kernel inside runs/lessons/<lesson>/, where its executed copy is saved.
Lessons report their key results with `ftcourse.record_result`, which this run collects through
the FTCOURSE_RESULTS file. A failing lesson is reported and the run goes on to the next.
"""
import json
import os
import time
from pathlib import Path

from ..shared.catalogue import names as lessons, source_notebook
from ..shared import execution, profiles
from ..student.results import ENV_RESULTS


def run_lesson(lesson: str, profile: profiles.Profile, out_dir: Path, progress_stream=None, notebook=None) -> dict:
    """Execute one lesson: `notebook` (default: its solution notebook); its progress goes to
    `progress_stream` (default stderr)."""
    import nbformat
    from nbclient.exceptions import CellExecutionError, CellTimeoutError

    workdir = out_dir / lesson
    workdir.mkdir(parents=True, exist_ok=True)
    results_file = workdir / "results.jsonl"
    results_file.unlink(missing_ok=True)
    if notebook is None:
        notebook = nbformat.read(source_notebook(lesson), as_version=4)
    started = time.perf_counter()
    error = None
    try:
        execution.execute(notebook, workdir, profile.name, env={ENV_RESULTS: results_file.resolve()},
                          progress=execution.Progress(notebook, lesson, stream=progress_stream))
    except (CellExecutionError, CellTimeoutError) as err:
        error = str(err).strip().splitlines()[-1][:200]
    seconds = time.perf_counter() - started
    nbformat.write(notebook, workdir / f"{lesson}.ipynb")
    results = [json.loads(line) for line in results_file.read_text().splitlines()] if results_file.exists() else []
    return {"lesson": lesson, "ok": error is None, "error": error, "seconds": round(seconds, 1),
            "results": results, "executed": str(workdir / f"{lesson}.ipynb")}


def format_result(result: dict) -> str:
    shown = [f"{r['name']} {r['value']:.3f}" if isinstance(r["value"], float) else f"{r['name']} {r['value']}"
             for r in result["results"]]
    status = "ok" if result["ok"] else f"FAILED: {result['error']}"
    return f"{result['lesson']:<22} {result['seconds']:>7.1f} s  {status:<8} {'; '.join(shown)}"


def record(results: list, profile, path: Path) -> Path:
    """Add this run's times and key results, under its profile, to a table of course runs: `path`
    (JSON, every profile recorded so far) and the same with `.md` (Markdown), the file that lessons
    cite for their run times. A lesson run again replaces its own row (when the machine is the
    same); the other lessons' rows stay, each with the date it was run."""
    import datetime
    import platform

    path = Path(path)
    runs = json.loads(path.read_text()) if path.exists() else {}
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else ""
    date = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    machine = f"{cpu}, {len(os.sched_getaffinity(0))} cores"
    kept = {r["lesson"]: r for r in runs.get(profile.name, {}).get("lessons", [])
            if runs[profile.name].get("machine") == machine}  # a lesson run again replaces its row
    kept.update({r["lesson"]: {**{k: r[k] for k in ("lesson", "ok", "seconds", "results")}, "date": date}
                 for r in results})
    runs[profile.name] = {"date": date, "machine": machine, "lessons": [kept[name] for name in sorted(kept)]}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(runs, indent=1) + "\n")
    lines = ["# Course runs (`ftcourse run --record`)", "",
             "Each lesson executed top to bottom in a fresh kernel, as `make course` does: its student version "
             "with the reference answers filled in (visible tests included, the grader's hidden tests not).", ""]
    for name, run in runs.items():
        lines += [f"## `{name}` profile", "", f"- machine: {run['machine']}", f"- last recorded: {run['date']}", "",
                  "| lesson | time | status | key results | run on |", "|---|---|---|---|---|"]
        for r in run["lessons"]:
            shown = "; ".join(f"{x['name']} {x['value']:.3f}" if isinstance(x["value"], float) else f"{x['name']} {x['value']}"
                              for x in r["results"])
            lines.append(f"| {r['lesson']} | {r['seconds']:.0f} s | {'ok' if r['ok'] else 'FAILED'} | {shown} "
                         f"| {r.get('date', run['date'])} |")
        lines.append("")
    path.with_suffix(".md").write_text("\n".join(lines))
    return path


def run_course(profile_name=None, names=None, out_dir="runs/lessons", log=print, notebook_for=None) -> list:
    """Run the lessons `names` (default: all) one after another; `notebook_for(lesson)` gives the
    notebook to run (default: the solution notebook)."""
    profile = profiles.select(profile_name)
    log(f"running {len(names or lessons())} lessons in the {profile.name} profile; executed copies in {out_dir}/")
    results = []
    for lesson in names or lessons():
        log(f"- {lesson} ...")
        results.append(run_lesson(lesson, profile, Path(out_dir),
                                  notebook=notebook_for(lesson) if notebook_for else None))
        log("  " + format_result(results[-1]))
    log(f"\nsummary ({profile.name} profile)\n{'lesson':<22} {'time':>9}  status   key results")
    for result in results:
        log(format_result(result))
    return results
