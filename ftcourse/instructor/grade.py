"""`ftcourse grade`: from a folder or zip of submissions to nbgrader's gradebook, feedback and grades.csv.

nbgrader does the grading (its gradebook, generate_assignment, autograde, generate_feedback and
CSV export). This module adds what a class of fine-tuning notebooks needs: many jobs side by side
within the machine's cores (each kernel with its own torch threads), every kernel in the sandbox,
every test decided outside the student's kernel, one settings object for the whole run, and one
report with a reason for every lost point. It fails only when the pipeline itself does, never
because a student's notebook did.
"""
import functools
import json
import multiprocessing
import os
import re
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from ..shared.catalogue import names as lesson_names
from ..shared.errors import CourseError
from .audit import audit, cell_failures, sanitize
from .config import grading_config
from .intake import receive
from .sandbox import check_available, install_kernelspec

CDN = re.compile(r'<script[^>]*src="https?://[^"]*"[^>]*>\s*</script>|<link[^>]*href="https?://[^"]*"[^>]*>')


@dataclass
class Row:
    student: str
    assignment: str
    score: float = 0.0
    max_score: float = 0.0
    notes: list = field(default_factory=list)


def plan_workers(workers, threads: int) -> int:
    """Jobs side by side: never more kernels x torch threads than this process may use cores."""
    cores = len(os.sched_getaffinity(0))
    limit = max(1, cores // threads)
    return limit if workers is None else max(1, min(workers, limit))


def _api(config):
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    return NbGraderAPI(CourseDirectory(config=config), config=config)


@functools.lru_cache(maxsize=None)
def _jobs():
    """Where jobs start: forks of one server process that imported the job's module (and nbgrader)
    once; each job is still a process of its own."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["ftcourse.instructor.autograde_job"])
    return context


def _autograde(job, scratch: Path, env: dict) -> dict:
    from .autograde_job import run_forked

    student, assignment = job
    runtime = scratch / f"{student}-{assignment}"
    runtime.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    receiving, sending = _jobs().Pipe(duplex=False)
    process = _jobs().Process(target=run_forked, args=(student, assignment,
                                                       {**env, "JUPYTER_RUNTIME_DIR": str(runtime)}, sending))
    process.start()
    sending.close()
    try:
        outcome = receiving.recv()
    except EOFError:  # the job's process died before it could answer
        outcome = None
    process.join()
    seconds = round(time.monotonic() - started, 1)
    if outcome is None:
        return {"success": False, "error": f"the grading process ended with exit code {process.exitcode}",
                "seconds": seconds}
    return {**outcome, "seconds": seconds}


def _offline_feedback(feedback_dir: Path) -> None:
    """nbgrader's feedback pages load scripts from a CDN; offline they would hang or break."""
    for page in feedback_dir.rglob("*.html"):
        page.write_text(CDN.sub("", page.read_text(encoding="utf-8")), encoding="utf-8")


def grade(source, settings, workers=None, assignments=None, log=print) -> list:
    """Grade the submissions in `source` under `settings` (a RunSettings); rows of scores and notes."""
    from nbgrader.api import Gradebook, MissingEntry
    from nbgrader.plugins.export import CsvExportPlugin

    workspace = Path(settings.workspace)
    workspace.mkdir(parents=True, exist_ok=True)
    if settings.sandbox:
        check_available()
    workers = plan_workers(workers, settings.threads)
    with tempfile.TemporaryDirectory(prefix="ftcourse-grade-") as scratch:
        scratch = Path(scratch)
        settings_file = settings.save(scratch / "settings.json")
        os.environ["FTCOURSE_RUN_SETTINGS"] = str(settings_file)  # nbgrader's config in this process too
        try:
            rows = _grade(source, settings, workers, assignments or lesson_names(), scratch, log,
                          Gradebook, MissingEntry, CsvExportPlugin)
        finally:
            os.environ.pop("FTCOURSE_RUN_SETTINGS", None)
    return rows


def prepare_lessons(assignments, profile: str, log) -> None:
    """Give each lesson's `prepare_grading(course)` (optional, in its checks module) one run before
    the submissions: work that is the same for every student, e.g. scoring a base model, done once
    here, where the course's data folder is writable, and only read by the sandboxed checks."""
    import importlib

    from ..shared.catalogue import lesson as find_lesson
    from ..student.setup import prepare

    for assignment in assignments:
        try:
            checks = importlib.import_module(f"{find_lesson(assignment).package}.checks")
        except (ImportError, CourseError):
            continue
        if callable(getattr(checks, "prepare_grading", None)):
            started = time.perf_counter()
            checks.prepare_grading(prepare(profile))
            log(f"{assignment}: prepared for grading in {time.perf_counter() - started:.0f} s")


def _grade(source, settings, workers, assignments, scratch, log, Gradebook, MissingEntry, CsvExportPlugin):
    workspace = Path(settings.workspace)
    config = grading_config(settings)
    api = _api(config)
    for assignment in assignments:
        result = api.generate_assignment(assignment, force=True, create=True)
        if not result["success"]:
            raise CourseError(f"nbgrader could not register {assignment}: {result.get('error') or result['log'][-300:]}")

    submissions = receive(Path(source), workspace / "submitted", assignments)
    db_url = f"sqlite:///{workspace / 'gradebook.db'}"
    rows = {}
    with Gradebook(db_url) as gb:
        for submission in submissions:
            gb.update_or_create_student(submission.student)
            row = rows[(submission.student, submission.assignment)] = Row(submission.student, submission.assignment)
            row.notes += submission.notes
            named = [p for p in submission.notebooks if p.name == f"{submission.assignment}.ipynb"]
            released = workspace / "release" / submission.assignment / f"{submission.assignment}.ipynb"
            for notebook in named:
                row.notes += audit(notebook, released, gb, submission.assignment)
                copy = workspace / "submitted" / submission.student / submission.assignment / notebook.name
                row.notes += sanitize(copy, released)
    jobs = [key for key, row in rows.items()  # unreadable notebooks are noted above and score 0
            if (workspace / "submitted" / key[0] / key[1] / f"{key[1]}.ipynb").exists()
            and not any("not a readable notebook" in note for note in row.notes)]
    log(f"grading {len(jobs)} submissions of {len({s for s, _ in rows})} students in the {settings.profile} "
        f"profile: {workers} at a time, {settings.threads} torch thread(s) each, kernels "
        f"{'sandboxed' if settings.sandbox else 'NOT sandboxed'}, tests outside the kernels")

    prepare_lessons(sorted({assignment for _, assignment in jobs}), settings.profile, log)
    install_kernelspec(scratch / "jupyter")
    env = {**os.environ, "JUPYTER_PATH": str(scratch / "jupyter")}
    timings = _timings(workspace)
    # the longest first, so the pool finishes together: the student who also tries every variant,
    # then each assignment by the longest time it took before in this workspace
    jobs.sort(key=lambda key: (key[0] != settings.variants, -timings.get(key[1], 0)))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        outcomes = dict(zip(jobs, pool.map(lambda job: _autograde(job, scratch, env), jobs)))
    for (_, assignment), outcome in outcomes.items():
        timings[assignment] = max(timings.get(assignment, 0), outcome.get("seconds", 0))
    (workspace / "timings.json").write_text(json.dumps(timings, indent=1))
    (workspace / "jobs.json").write_text(json.dumps(  # how long each job took: for planning the next run
        [{"student": s, "assignment": a, "seconds": o.get("seconds"), "success": bool(o.get("success"))}
         for (s, a), o in outcomes.items()], indent=1))

    for key, outcome in outcomes.items():
        student, assignment = key
        if not outcome["success"]:
            rows[key].notes.append(f"autograding failed: {(outcome.get('error') or 'see the nbgrader log').strip()[:200]}")
        rows[key].notes += cell_failures(workspace / "autograded" / student / assignment / f"{assignment}.ipynb")
        result = api.generate_feedback(assignment, student, force=True)
        if not result["success"]:
            rows[key].notes.append("feedback could not be generated")
    _offline_feedback(workspace / "feedback")

    with Gradebook(db_url) as gb:
        for (student, assignment), row in rows.items():
            row.max_score = gb.find_assignment(assignment).max_score
            try:
                row.score = gb.find_submission(assignment, student).score
            except MissingEntry:
                row.score = 0.0
        CsvExportPlugin(to=str(workspace / "grades.csv")).export(gb)
    return sorted(rows.values(), key=lambda r: (r.student, r.assignment))


def _timings(workspace: Path) -> dict:
    """The longest time each assignment's job took in earlier runs in this workspace."""
    try:
        found = json.loads((workspace / "timings.json").read_text())
        return {k: float(v) for k, v in found.items()} if isinstance(found, dict) else {}
    except (OSError, ValueError, TypeError):
        return {}


def table(rows: list) -> str:
    """Students by assignment, `score/max`, then every note under its student."""
    assignments = sorted({r.assignment for r in rows})
    students = sorted({r.student for r in rows})
    cell = {(r.student, r.assignment): r for r in rows}
    width = max([len(s) for s in students] + [7])
    lines = [f"{'student':<{width}}  " + "  ".join(f"{a:>18}" for a in assignments)]
    for student in students:
        lines.append(f"{student:<{width}}  " + "  ".join(
            f"{cell[(student, a)].score:>8g} / {cell[(student, a)].max_score:<7g}" if (student, a) in cell
            else f"{'-':>18}" for a in assignments))
    notes = [f"  {r.student} {r.assignment}: {n}" for r in rows for n in r.notes]
    return "\n".join(lines + (["", "notes:"] + notes if notes else []))
