"""The course run (`make course`): every lesson's solution notebook, executed in the active profile.

Each lesson runs in a fresh kernel inside runs/lessons/<lesson>/, where its executed copy is saved.
Lessons report their key results with `ftcourse.record_result`, which this run collects through
the FTCOURSE_RESULTS file. A failing lesson is reported and the run goes on to the next.
"""
import json
import os
import time
from pathlib import Path

from ..shared.catalogue import names as lessons, source_notebook
from ..shared import profiles
from ..student.results import ENV_RESULTS


def run_lesson(lesson: str, profile: profiles.Profile, out_dir: Path) -> dict:
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError

    workdir = out_dir / lesson
    workdir.mkdir(parents=True, exist_ok=True)
    results_file = workdir / "results.jsonl"
    results_file.unlink(missing_ok=True)
    notebook = nbformat.read(source_notebook(lesson), as_version=4)
    saved = {k: os.environ.get(k) for k in (profiles.ENV_PROFILE, ENV_RESULTS)}
    os.environ.update({profiles.ENV_PROFILE: profile.name, ENV_RESULTS: str(results_file.resolve())})
    started = time.perf_counter()
    error = None
    try:
        NotebookClient(notebook, timeout=profile.cell_timeout, kernel_name="python3",
                       resources={"metadata": {"path": str(workdir)}}).execute()
    except (CellExecutionError, CellTimeoutError) as err:
        error = str(err).strip().splitlines()[-1][:200]
    finally:
        for key, value in saved.items():
            os.environ.pop(key, None) if value is None else os.environ.__setitem__(key, value)
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


def run_course(profile_name=None, names=None, out_dir="runs/lessons", log=print) -> list:
    profile = profiles.select(profile_name)
    log(f"running {len(names or lessons())} lessons in the {profile.name} profile; executed copies in {out_dir}/")
    results = []
    for lesson in names or lessons():
        log(f"- {lesson} ...")
        results.append(run_lesson(lesson, profile, Path(out_dir)))
        log("  " + format_result(results[-1]))
    log(f"\nsummary ({profile.name} profile)\n{'lesson':<22} {'time':>9}  status   key results")
    for result in results:
        log(format_result(result))
    return results
