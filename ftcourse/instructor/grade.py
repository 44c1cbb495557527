"""`ftcourse grade`: from a folder or zip of submissions to nbgrader's gradebook, feedback and grades.csv.

nbgrader does the grading (its gradebook, generate_assignment, autograde, generate_feedback and
CSV export). This module adds what a class of fine-tuning notebooks needs: many jobs side by side
within the machine's cores (each kernel with its own torch threads), every kernel in the sandbox,
the grading profile pinned, and one report with a reason for every lost point. It fails only when
the pipeline itself does, never because a student's notebook did.
"""
import dataclasses
import json
import os
import re
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from ..shared.errors import CourseError
from ..shared.profiles import ENV_PROFILE, ENV_THREADS, select
from .audit import audit, cell_failures
from .course import ROOT, grading_config, lessons
from .intake import receive
from .sandbox import check_available, install_kernelspec

ENV_TIMEOUT = "FTCOURSE_CELL_TIMEOUT"
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


def _autograde(job, workspace: Path, scratch: Path, env: dict) -> dict:
    student, assignment = job
    runtime = scratch / f"{student}-{assignment}"
    runtime.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [sys.executable, "-m", "ftcourse.instructor.autograde_job", str(workspace), student, assignment],
        capture_output=True, text=True, env={**env, "JUPYTER_RUNTIME_DIR": str(runtime)})
    try:
        return json.loads(done.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        return {"success": False, "error": (done.stderr.strip().splitlines() or ["no output"])[-1]}


def _offline_feedback(feedback_dir: Path) -> None:
    """nbgrader's feedback pages load scripts from a CDN; offline they would hang or break."""
    for page in feedback_dir.rglob("*.html"):
        page.write_text(CDN.sub("", page.read_text(encoding="utf-8")), encoding="utf-8")


def grade(source, workspace=ROOT / "autograder", profile_name=None, workers=None, threads=1,
          sandbox=True, assignments=None, cell_timeout=None, log=print) -> list:
    from nbgrader.api import Gradebook, MissingEntry
    from nbgrader.plugins.export import CsvExportPlugin

    profile = select(profile_name or os.environ.get(ENV_PROFILE) or "ci")
    workspace = Path(workspace).resolve()
    workspace.mkdir(parents=True, exist_ok=True)
    if sandbox:
        check_available()
    workers = plan_workers(workers, threads)
    if cell_timeout:
        profile = dataclasses.replace(profile, cell_timeout=cell_timeout)
    config = grading_config(workspace, profile)
    api = _api(config)
    assignments = assignments or lessons()
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
    jobs = [key for key, row in rows.items()  # unreadable notebooks are noted above and score 0
            if (workspace / "submitted" / key[0] / key[1] / f"{key[1]}.ipynb").exists()
            and not any("not a readable notebook" in note for note in row.notes)]
    log(f"grading {len(jobs)} submissions of {len({s for s, _ in rows})} students in the {profile.name} profile: "
        f"{workers} at a time, {threads} torch thread(s) each, kernels {'sandboxed' if sandbox else 'NOT sandboxed'}")

    with tempfile.TemporaryDirectory(prefix="ftcourse-grade-") as scratch:
        scratch = Path(scratch)
        install_kernelspec(scratch / "jupyter")
        env = {**os.environ, ENV_PROFILE: profile.name, ENV_THREADS: str(threads), ENV_TIMEOUT: str(profile.cell_timeout),
               "JUPYTER_PATH": str(scratch / "jupyter"), "FTCOURSE_SANDBOX": "1" if sandbox else "0"}
        with ThreadPoolExecutor(max_workers=workers) as pool:
            outcomes = dict(zip(jobs, pool.map(lambda job: _autograde(job, workspace, scratch, env), jobs)))

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


def table(rows: list) -> str:
    """Students by assignment, `score/max`, then every note under its student."""
    assignments = sorted({r.assignment for r in rows})
    students = sorted({r.student for r in rows})
    cell = {(r.student, r.assignment): r for r in rows}
    width = max([len(s) for s in students] + [7])
    lines = [f"{'student':<{width}}  " + "  ".join(f"{a:>18}" for a in assignments)]
    for student in students:
        lines.append(f"{student:<{width}}  " + "  ".join(
            f"{cell[(student, a)].score:>8g} / {cell[(student, a)].max_score:<7g}" for a in assignments))
    notes = [f"  {r.student} {r.assignment}: {n}" for r in rows for n in r.notes]
    return "\n".join(lines + (["", "notes:"] + notes if notes else []))
