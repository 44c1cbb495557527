"""Grading on a Dask cluster: the same gradebook as the local pool, jobs that ask for a GPU where a
lesson fine-tunes in the gpu profile, a worker killed mid-job whose job is graded elsewhere and
recorded once, a job stopped at its time limit, and a second run that grades only what changed.

The tests that start clusters grade lesson 06 (the quickest job) and are marked `slow`."""
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from conftest import GRADING_SECRET, ROOT, notes_of, run_ftcourse, scores_from_table
from ftcourse.instructor.backends import GPU, ClusterSpec, DaskCluster
from ftcourse.instructor.job import Job, Result
from ftcourse.instructor.progress import Progress
from ftcourse.instructor.record import Ledger, digest, source_digest
from ftcourse.instructor.sample_class import FOLDER
from ftcourse.instructor.sandbox import children, descendants, stop_tree
from ftcourse.shared.catalogue import lessons
from ftcourse.shared.errors import CourseError

QUIZ = "06_practice_quiz"
EXPECTED = json.loads((FOLDER / "expected.json").read_text())


# --- without a cluster ------------------------------------------------------------------------

def test_cluster_option_names_local_batch_systems_and_addresses():
    assert ClusterSpec.parse("local") == ClusterSpec("local", workers=2)
    assert ClusterSpec.parse("local:3", gpu_workers=1) == ClusterSpec("local", workers=3, gpu_workers=1)
    assert ClusterSpec.parse("slurm", workers=8, retries=4) == ClusterSpec("slurm", workers=8, retries=4)
    assert ClusterSpec.parse("tcp://head:8786").address == "tcp://head:8786"
    for wrong in ("kubernetes", "local:x", "head:8786"):
        with pytest.raises(CourseError, match="tcp://host:8786"):
            ClusterSpec.parse(wrong)
    with pytest.raises(CourseError, match="0 or more"):
        ClusterSpec.parse("local", retries=-1)


def test_what_a_grade_depends_on_changes_its_digest(tmp_path):
    source = tmp_path / "lesson"
    source.mkdir()
    (source / "lesson.ipynb").write_text("{}")
    files, settings = {"06.ipynb": b"answers"}, {"profile": "ci", "threads": 1, "workspace": "/a", "job_timeout": 0}
    first = digest(files, settings, source_digest([source]))
    assert digest(files, {**settings, "workspace": "/b", "job_timeout": 60}, source_digest([source])) == first
    assert digest({"06.ipynb": b"other answers"}, settings, source_digest([source])) != first
    assert digest(files, {**settings, "profile": "cpu"}, source_digest([source])) != first
    (source / "lesson.ipynb").write_text('{"changed": 1}')
    assert digest(files, settings, source_digest([source])) != first


def test_the_ledger_keeps_what_was_recorded_and_is_never_half_written(tmp_path):
    job = Job("ana", QUIZ, digest="d1")
    ledger = Ledger(tmp_path)
    assert not ledger.unchanged(job)
    ledger.mark(job)
    assert Ledger(tmp_path).unchanged(job)
    assert not Ledger(tmp_path).unchanged(Job("ana", QUIZ, digest="d2"))
    assert [p.name for p in tmp_path.iterdir()] == ["graded.json"]
    (tmp_path / "graded.json").write_text("not json")
    assert not Ledger(tmp_path).unchanged(job)  # an unreadable ledger grades everything again


def test_lessons_that_fine_tune_say_so():
    """FINE_TUNES (a GPU job in the gpu profile) agrees with the notebooks: a code cell that trains."""
    import importlib

    for lesson in lessons():
        notebook = nbformat.read(str(lesson.source), as_version=4)
        trains = any(".train(" in cell.source for cell in notebook.cells if cell.cell_type == "code")
        assert bool(getattr(importlib.import_module(lesson.package), "FINE_TUNES", False)) == trains, lesson.name


def test_jobs_ask_for_a_gpu_only_in_the_gpu_profile_and_only_where_a_lesson_fine_tunes(tmp_path):
    from ftcourse.instructor.grade import _job
    from ftcourse.shared.settings import RunSettings

    for name in ("01_trainer_api", QUIZ):
        folder = tmp_path / "submitted" / "ana" / name
        folder.mkdir(parents=True)
        (folder / f"{name}.ipynb").write_text("{}")
    wanted = {("gpu", "01_trainer_api"): True, ("gpu", QUIZ): False, ("ci", "01_trainer_api"): False}
    for (profile, name), gpu in wanted.items():
        settings = RunSettings.resolve(profile=profile, workspace=tmp_path)
        job = _job(tmp_path, ("ana", name), settings)
        assert job.gpu is gpu, (profile, name)
        assert job.files is None and job.loaded().files == {f"{name}.ipynb": b"{}"}


def test_gpu_jobs_go_to_the_scheduler_with_the_gpu_resource_and_the_rest_without(tmp_path):
    class Client:  # records what the backend asks of Dask's client
        def __init__(self):
            self.submitted = []

        def submit(self, function, job, shared, **options):
            self.submitted.append((job, shared, options))
            return len(self.submitted)

    (tmp_path / f"{QUIZ}.ipynb").write_text("{}")
    backend = DaskCluster.__new__(DaskCluster)
    backend.client = Client()
    backend.submit(Job("ana", "01_trainer_api", str(tmp_path), gpu=True), "everywhere")
    backend.submit(Job("ana", QUIZ, str(tmp_path)), "everywhere")
    (first, shared, options_first), (second, _, options_second) = backend.client.submitted
    assert options_first["resources"] == {GPU: 1} and options_second["resources"] is None
    assert shared == "everywhere" and options_first["pure"] is False
    assert options_first["key"] != options_second["key"]
    assert first.files == second.files == {f"{QUIZ}.ipynb": b"{}"}  # read when sent


def test_stop_tree_kills_a_process_and_everything_it_started():
    parent = subprocess.Popen(["sh", "-c", "sleep 60 & (sleep 60 & sleep 60; wait) & wait"], start_new_session=True)
    deadline = time.monotonic() + 5
    while len(descendants(parent.pid)) < 4 and time.monotonic() < deadline:
        time.sleep(0.05)
    started = descendants(parent.pid)
    assert len(started) >= 4
    stop_tree(parent.pid)
    parent.wait(timeout=5)
    time.sleep(0.2)
    alive = [pid for pid in started if Path(f"/proc/{pid}").exists()
             and "Z" not in Path(f"/proc/{pid}/stat").read_text().split()[2]]
    assert alive == []


def test_progress_shows_done_running_failed_time_left_and_worker_use():
    lines = []
    progress = Progress(total=4, slots=2, log=lines.append, stream=open(os.devnull, "w"))
    progress.finished(Result("ana", QUIZ, True, seconds=10.0, worker="node-1"))
    progress.finished(Result("bo", QUIZ, False, seconds=30.0, worker="node-2", error="lost"))
    assert "graded 2/4, 2 running, 1 failed" in lines[-1] and "about 20 s left" in lines[-1]
    summary = progress.summary()
    assert "2 jobs in" in summary[0] and "20.0 s per job" in summary[0] and "longest 30 s: bo/06" in summary[0]
    assert any("worker node-2: 1 jobs, busy 30 s" in line for line in summary)


# --- on a LocalCluster of worker processes ------------------------------------------------------

def _gradebook(workspace: Path, keys) -> dict:
    """Everything autograding wrote for these submissions, as plain values."""
    from nbgrader.api import Gradebook

    found = {}
    with Gradebook(f"sqlite:///{workspace / 'gradebook.db'}") as gb:
        for student, assignment in keys:
            submission = gb.find_submission(assignment, student)
            found[(student, assignment)] = {
                "timestamp": submission.timestamp, "score": submission.score,
                "notebooks": {nb.name: {"penalty": nb.late_submission_penalty,
                                        "grades": {g.name: (g.auto_score, g.manual_score, g.needs_manual_grade)
                                                   for g in nb.grades},
                                        "comments": {c.name: c.auto_comment for c in nb.comments}}
                              for nb in submission.notebooks}}
    return found


def _quiz_class(folder: Path, students: dict) -> Path:
    """`{student: whose lesson-06 hand-in they hand in}` as a submissions folder (nbgrader's layout,
    with timestamp.txt and submission_secret.txt, where the sample class has it)."""
    for student, source in students.items():
        (folder / student).mkdir(parents=True)
        if (FOLDER / source / QUIZ).is_dir():
            shutil.copytree(FOLDER / source / QUIZ, folder / student / QUIZ)
        else:
            shutil.copy(FOLDER / source / f"{QUIZ}.ipynb", folder / student)
    return folder


@pytest.mark.slow
@pytest.mark.cluster
@pytest.mark.grading
def test_a_local_cluster_grades_exactly_as_the_local_pool_did(graded_class, tmp_path):
    """Regrading with worker processes, one of them a GPU worker, gives the gradebook the pool wrote."""
    out, workspace = graded_class
    students = {"same_letter": "same_letter", "near_copy_b": "near_copy_b"}  # near_copy_b: collected
    submissions = _quiz_class(tmp_path / "again", students)
    shutil.copytree(workspace, tmp_path / "workspace")  # the same gradebook and secret
    code, out_again, err = run_ftcourse("grade", str(submissions), "--workspace", str(tmp_path / "workspace"),
                                        "--profile", "ci", "--cluster", "local:1", "--gpu-workers", "1",
                                        "--regrade", env={"FTCOURSE_SECRET": GRADING_SECRET}, timeout=300)
    assert code == 0, err[-2000:]
    assert "on the Dask cluster" in out_again and "2 workers" in out_again
    assert "graded 2/2, 0 running, 0 failed" in out_again, out_again
    keys = [(student, QUIZ) for student in students]
    assert _gradebook(tmp_path / "workspace", keys) == _gradebook(workspace, keys)
    def files(root, student):
        return sorted(p.name for p in (root / "autograded" / student / QUIZ).iterdir())

    for student in students:  # the autograded folder holds what the pool's did
        assert files(tmp_path / "workspace", student) == files(workspace, student)
    # nbgrader's layout: the files `nbgrader collect` brought come along (feedback is released by them)
    assert {"timestamp.txt", "submission_secret.txt"} <= set(files(tmp_path / "workspace", "near_copy_b"))
    first, second = scores_from_table(out), scores_from_table(out_again)
    for student in students:
        assert second[student][QUIZ] == first[student][QUIZ] == EXPECTED[student][QUIZ]


@pytest.mark.slow
@pytest.mark.cluster
def test_a_worker_killed_mid_job_has_its_job_graded_elsewhere_and_recorded_once(tmp_path):
    submissions = _quiz_class(tmp_path / "class", {"partial": "partial", "same_letter": "same_letter"})
    workspace = tmp_path / "workspace"
    grading = subprocess.Popen([sys.executable, "-m", "ftcourse", "grade", str(submissions), "--workspace",
                                str(workspace), "--profile", "ci", "--cluster", "local:2", "--retries", "1"],
                               cwd=ROOT, env={**os.environ, "FTCOURSE_SECRET": GRADING_SECRET},
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    killed, deadline = None, time.monotonic() + 120
    while killed is None and time.monotonic() < deadline and grading.poll() is None:
        for worker in children(grading.pid):  # the LocalCluster's worker processes
            if any("ipykernel" in _command(pid) for pid in descendants(worker)):  # mid-job: its kernel runs
                os.kill(worker, signal.SIGKILL)
                killed = worker
                break
        time.sleep(0.2)
    out, err = grading.communicate(timeout=300)
    assert killed is not None, "no worker was seen grading"
    assert grading.returncode == 0, err[-2000:]
    assert "graded 2/2, 0 running, 0 failed" in out, out
    scores = scores_from_table(out)
    assert scores["partial"][QUIZ] == EXPECTED["partial"][QUIZ]
    assert scores["same_letter"][QUIZ] == EXPECTED["same_letter"][QUIZ]
    jobs = json.loads((workspace / "jobs.json").read_text())
    assert len(jobs) == 2 and all(job["success"] for job in jobs)
    assert not any(job["worker"].endswith(f":{killed}") for job in jobs)  # graded after the kill, elsewhere
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{workspace / 'gradebook.db'}") as gb:
        assert sorted((s.student.id, s.assignment.name) for s in gb.assignment_submissions(QUIZ)) == [
            ("partial", QUIZ), ("same_letter", QUIZ)]  # once each
    assert sorted(json.loads((workspace / "graded.json").read_text())) == [f"partial/{QUIZ}", f"same_letter/{QUIZ}"]


def _command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


@pytest.mark.slow
@pytest.mark.cluster
@pytest.mark.grading
def test_a_second_run_grades_only_what_changed_and_a_job_past_its_limit_is_not_recorded(graded_class, tmp_path):
    out, workspace = graded_class
    workspace = Path(shutil.copytree(workspace, tmp_path / "workspace"))
    submissions = _quiz_class(tmp_path / "class", {"near_copy_a": "near_copy_a", "same_letter": "same_letter"})
    grade = ("grade", str(submissions), "--workspace", str(workspace), "--profile", "ci")
    secret = {"FTCOURSE_SECRET": GRADING_SECRET}

    code, unchanged, err = run_ftcourse(*grade, env=secret)
    assert code == 0, err[-2000:]
    assert "grading 0 submissions" in unchanged and "2 unchanged since they were graded" in unchanged
    assert scores_from_table(unchanged)["same_letter"][QUIZ] == EXPECTED["same_letter"][QUIZ]

    shutil.copy(FOLDER / "partial" / f"{QUIZ}.ipynb", submissions / "same_letter")  # a new hand-in
    code, stopped, err = run_ftcourse(*grade, "--job-timeout", "2", env=secret)
    assert code == 0, err[-2000:]
    assert "grading 1 submissions" in stopped and "1 unchanged" in stopped
    assert "stopped after 2 s: the job's time limit" in notes_of(stopped, "same_letter")
    assert f"same_letter/{QUIZ}" in json.loads((workspace / "graded.json").read_text())  # the old hand-in's entry

    code, graded, err = run_ftcourse(*grade, env=secret)
    assert code == 0, err[-2000:]
    assert "grading 1 submissions" in graded and "1 unchanged" in graded
    assert scores_from_table(graded)["same_letter"][QUIZ] == EXPECTED["partial"][QUIZ]
    assert scores_from_table(graded)["near_copy_a"][QUIZ] == EXPECTED["near_copy_a"][QUIZ]
