"""`ftcourse grade`: from a folder or zip of submissions to nbgrader's gradebook, feedback and grades.csv.

nbgrader does the grading (its gradebook, generate_assignment, autograde, generate_feedback and
CSV export). This module adds what a class of fine-tuning notebooks needs: many jobs side by side
within the machine's cores (each kernel with its own torch threads), every kernel in the sandbox,
every test decided outside the student's kernel, one settings object for the whole run, and one
report with a reason for every lost point. It fails only when the pipeline itself does, never
because a student's notebook did.
"""
import json
import os
import re
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from ..shared.catalogue import names as lesson_names
from ..shared.errors import CourseError
from .audit import audit, cell_failures, sanitize
from .config import grading_config
from .intake import receive
from .job import Job, Shared, submission_files
from .progress import Progress
from .sandbox import check_available
from .secret import course_key

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


def _offline_feedback(feedback_dir: Path) -> None:
    """nbgrader's feedback pages load scripts from a CDN; offline they would hang or break."""
    for page in feedback_dir.rglob("*.html"):
        page.write_text(CDN.sub("", page.read_text(encoding="utf-8")), encoding="utf-8")


def grade(source, settings, workers=None, assignments=None, log=print, cluster="", gpu_workers=0, retries=2,
          regrade=False) -> list:
    """Grade the submissions in `source` under `settings` (a RunSettings); rows of scores and notes.
    Jobs run `workers` at a time on this machine, or on the Dask cluster `cluster` names (see
    backends.py: `gpu_workers`, `retries`); only new or changed submissions, unless `regrade`."""
    from nbgrader.api import Gradebook, MissingEntry
    from nbgrader.plugins.export import CsvExportPlugin

    workspace = Path(settings.workspace)
    workspace.mkdir(parents=True, exist_ok=True)
    if settings.sandbox:
        check_available()
    workers = plan_workers(workers, settings.threads) if not cluster else workers
    dispatch = {"cluster": cluster, "workers": workers, "gpu_workers": gpu_workers, "retries": retries,
                "regrade": regrade}
    with tempfile.TemporaryDirectory(prefix="ftcourse-grade-") as scratch:
        scratch = Path(scratch)
        settings_file = settings.save(scratch / "settings.json")
        os.environ["FTCOURSE_RUN_SETTINGS"] = str(settings_file)  # nbgrader's config in this process too
        try:
            rows = _grade(source, settings, dispatch, assignments or lesson_names(), scratch, log,
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


def _grade(source, settings, dispatch, assignments, scratch, log, Gradebook, MissingEntry, CsvExportPlugin):
    from .backends import backend
    from .late import assigner
    from .record import Ledger, record

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
        graded_before = {(s.student.id, s.assignment.name) for a in gb.assignments
                         for s in gb.assignment_submissions(a.name)}
    keys = [key for key, row in rows.items()  # unreadable notebooks are noted above and score 0
            if (workspace / "submitted" / key[0] / key[1] / f"{key[1]}.ipynb").exists()
            and not any("not a readable notebook" in note for note in row.notes)]
    ledger = Ledger(workspace)
    sources = {}  # assignment -> source_digest, read once per run
    jobs = [_job(workspace, key, settings, sources) for key in keys]
    unchanged = {j.key for j in jobs if not dispatch["regrade"] and j.key in graded_before and ledger.unchanged(j)}
    jobs = [j for j in jobs if j.key not in unchanged]
    runner = backend(dispatch["cluster"], dispatch["workers"], dispatch["gpu_workers"], dispatch["retries"])
    try:
        log(f"grading {len(jobs)} submissions of {len({j.student for j in jobs})} students in the {settings.profile} "
            f"profile: {runner.description}, {settings.threads} torch thread(s) each, kernels "
            f"{'sandboxed' if settings.sandbox else 'NOT sandboxed'}, tests outside the kernels"
            + (f"; {len(unchanged)} unchanged since they were graded (kept; --regrade grades them again)"
               if unchanged else ""))
        prepare_lessons(sorted({job.assignment for job in jobs}), settings.profile, log)
        timings = _timings(workspace)
        # the longest first, so the jobs finish together: the student who also tries every variant,
        # then each assignment by the longest time it took before in this workspace
        jobs.sort(key=lambda job: (job.student != settings.variants, -timings.get(job.assignment, 0)))
        shared = Shared(settings=asdict(settings), template=_template(workspace, scratch),
                        secret=course_key(workspace).decode())
        progress = Progress(len(jobs), runner.slots, log)
        outcomes = {}
        with Gradebook(db_url) as gb:
            late = assigner(config)

            def arrived(job, result, running):
                if result.success:
                    record(result, job, gb, workspace, late, ledger)
                outcomes[job.key] = replace(result, notebook="", grader_files={}, submission={})  # recorded: let go
                progress.finished(result, running)

            runner.run(jobs, shared, arrived)
    finally:
        runner.close()
    for line in progress.summary():
        log(line)
    for (_, assignment), outcome in outcomes.items():
        timings[assignment] = max(timings.get(assignment, 0), outcome.seconds)
    (workspace / "timings.json").write_text(json.dumps(timings, indent=1))
    _save_jobs(workspace, outcomes)

    for key in keys:
        student, assignment = key
        outcome = outcomes.get(key)
        if outcome is not None and not outcome.success:
            rows[key].notes.append(f"autograding failed: {(outcome.error or 'see the nbgrader log').strip()[:200]}")
        rows[key].notes += cell_failures(workspace / "autograded" / student / assignment / f"{assignment}.ipynb")
        if outcome is not None and outcome.success:
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


def _job(workspace: Path, key: tuple, settings, sources: dict = None) -> Job:
    """The job of one sanitized submission: its files, what its grade depends on, whether it needs a
    GPU. `sources` keeps each assignment's source digest across the run's jobs."""
    import importlib

    from ..shared.catalogue import lesson as find_lesson
    from .record import digest, source_digest

    student, assignment = key
    folder = workspace / "submitted" / student / assignment
    files = submission_files(folder)
    lesson = find_lesson(assignment)
    fine_tunes = bool(getattr(importlib.import_module(lesson.package), "FINE_TUNES", False))
    counted = asdict(settings)  # the variants change the grading of one student only
    counted.update(variants=settings.variants == student, slow_variants=settings.slow_variants and
                   settings.variants == student)
    sources = {} if sources is None else sources
    if assignment not in sources:
        sources[assignment] = source_digest([lesson.source.parent, lesson.folder])
    return Job(student, assignment, str(folder), digest=digest(files, counted, sources[assignment]),
               gpu=fine_tunes and settings.profile == "gpu")


def _save_jobs(workspace: Path, outcomes: dict) -> None:
    """`jobs.json`: how long each job took and where, the latest grading of each (for planning runs)."""
    path = workspace / "jobs.json"
    try:
        earlier = [entry for entry in json.loads(path.read_text())
                   if (entry.get("student"), entry.get("assignment")) not in outcomes]
    except (OSError, ValueError, AttributeError, TypeError):
        earlier = []
    path.write_text(json.dumps(earlier + [
        {"student": o.student, "assignment": o.assignment, "seconds": o.seconds, "success": o.success,
         "worker": o.worker} for o in outcomes.values()], indent=1))


def _template(workspace: Path, scratch: Path) -> bytes:
    """The gradebook with its assignments and without students: each job's private gradebook."""
    import sqlite3

    from nbgrader.api import Gradebook

    path = scratch / "template.db"
    shutil.copy(workspace / "gradebook.db", path)
    with Gradebook(f"sqlite:///{path}") as gb:
        for student in list(gb.students):
            gb.remove_student(student.id)
    connection = sqlite3.connect(path)
    connection.execute("VACUUM")  # the removed students' rows leave the file
    connection.close()
    return path.read_bytes()


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
