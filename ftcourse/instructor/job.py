"""One grading job, wherever it runs: a student's submission of one assignment in, plain results out.

`ftcourse grade` turns each (student, assignment) into a `Job` that carries everything the grading
needs as plain data: the sanitized submission folder's files, the run's settings (`RunSettings`, as a
dict), the instructor's secret (hidden tests draw their inputs from it) and an empty gradebook that
knows the assignments. `run` grades it in a private workspace of its own, on this machine or on a
cluster worker, exactly as every job is graded (nbgrader's autograde in a forked process, kernels in
the sandbox, verdicts from the trusted process), and returns a `Result`: the autograded notebook, the
grader's files (`.ftcourse/variants.json`), and the scores and comments nbgrader wrote into the private
gradebook. Nothing else comes back (not what the student's code wrote), and the job writes nothing
outside its private folder: the run's single writer (`record.py`) puts results into the gradebook.

A job has a time limit (`RunSettings.job_timeout`): past it, the job's processes (nbgrader, the
kernel and anything it started) are killed and the result says so.
"""
import functools
import multiprocessing
import os
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

GRADER_FILES = (".ftcourse/variants.json",)  # written by the grader's preprocessors, read by validate


@dataclass(frozen=True)
class Job:
    student: str
    assignment: str
    folder: str = ""  # the sanitized submission in the grading workspace (read when the job is sent)
    digest: str = ""  # of the submission, settings and assignment source: unchanged jobs are skipped
    gpu: bool = False  # ask the cluster for a GPU (the lesson fine-tunes in the gpu profile)
    files: dict = field(default=None, compare=False, repr=False)  # relative path -> bytes, once loaded

    def loaded(self) -> "Job":
        """This job with its submission's files in it, as it travels (read only when it is sent, so
        that a class of thousands is never in memory at once)."""
        return self if self.files is not None else replace(self, files=submission_files(Path(self.folder)))

    @property
    def key(self) -> tuple:
        return self.student, self.assignment

    @property
    def name(self) -> str:
        return f"{self.student}/{self.assignment}"


@dataclass(frozen=True)
class Shared:
    """What every job of a run shares (on a cluster it travels to each worker once)."""
    settings: dict  # RunSettings as a dict; the workspace is replaced by the job's private one
    template: bytes  # an nbgrader gradebook holding the assignments and no students
    secret: str  # the instructor's secret (FTCOURSE_SECRET in the job)


@dataclass
class Result:
    student: str
    assignment: str
    success: bool
    error: str = ""
    seconds: float = 0.0
    worker: str = ""  # where it ran (host and process)
    started: float = 0.0  # wall-clock time.time() at start and end, for the run's worker use
    ended: float = 0.0
    notebook: str = ""  # the autograded notebook's JSON text ("" when there is none)
    grader_files: dict = field(default_factory=dict)  # GRADER_FILES found -> text
    submission: dict = field(default_factory=dict)  # what nbgrader wrote into the gradebook (see `_scores`)

    @property
    def key(self) -> tuple:
        return self.student, self.assignment


def run(job: Job, shared: Shared) -> Result:
    """Grade `job` in a private workspace; a failure of any kind comes back as the result's error."""
    started, clock = time.time(), time.monotonic()
    result = Result(job.student, job.assignment, success=False, started=started, worker=_where())
    if multiprocessing.current_process().daemon:
        result.error = ("this worker is a daemon process, which may not start the job's process: start Dask "
                        "workers with DASK_DISTRIBUTED__WORKER__DAEMON=False")
        return result
    try:
        _grade_privately(job, shared, result)
    except Exception as err:  # noqa: BLE001 - the grader's own failure is the job's result, not a crash
        result.success, result.submission = False, {}
        result.error = f"the job could not be graded: {type(err).__name__}: {err}"[:300]
    result.seconds = round(time.monotonic() - clock, 1)
    result.ended = time.time()
    return result


def _grade_privately(job: Job, shared: Shared, result: Result) -> None:
    """The submission, the empty gradebook and the settings in a folder of their own; autograde
    there; what it produced into `result`. The folder goes when the job ends."""
    from ..shared.settings import RunSettings
    from .sandbox import install_kernelspec

    with tempfile.TemporaryDirectory(prefix="ftcourse-job-") as scratch:
        scratch = Path(scratch)
        workspace = scratch / "workspace"
        submitted = workspace / "submitted" / job.student / job.assignment
        for relative, content in job.loaded().files.items():
            target = (submitted / relative).resolve()
            if not target.is_relative_to(submitted.resolve()):
                raise ValueError(f"{job.name}: submission file {relative!r} lies outside its folder")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        (workspace / "gradebook.db").write_bytes(shared.template)
        settings = RunSettings(**{**shared.settings, "workspace": str(workspace)})
        settings_file = settings.save(scratch / "settings.json")
        install_kernelspec(scratch / "jupyter")
        runtime = scratch / "runtime"
        runtime.mkdir()
        env = {**os.environ, "FTCOURSE_RUN_SETTINGS": str(settings_file), "JUPYTER_PATH": str(scratch / "jupyter"),
               "JUPYTER_RUNTIME_DIR": str(runtime), "FTCOURSE_SECRET": shared.secret}
        outcome = autograde(job.student, job.assignment, env, settings.job_limit)
        result.success, result.error = bool(outcome.get("success")), outcome.get("error", "") or ""
        folder = workspace / "autograded" / job.student / job.assignment
        notebook = folder / f"{job.assignment}.ipynb"
        if notebook.is_file():
            result.notebook = notebook.read_text(encoding="utf-8")
        for name in GRADER_FILES:
            if (folder / name).is_file():
                result.grader_files[name] = (folder / name).read_text(encoding="utf-8")
        if result.success:
            result.submission = _scores(workspace / "gradebook.db", job)


@functools.lru_cache(maxsize=None)
def _jobs():
    """Where jobs start: forks of one server process (per grading process) that imported the job's
    module and nbgrader once; each job is still a process of its own."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["ftcourse.instructor.autograde_job"])
    return context


def autograde(student: str, assignment: str, env: dict, time_limit: int) -> dict:
    """nbgrader's autograde of one submission in a forked process with `env` (see autograde_job.py);
    {success, error, log}. Past `time_limit` seconds (0: none) it and everything it started are killed."""
    from .autograde_job import run_forked
    from .sandbox import stop_tree

    receiving, sending = _jobs().Pipe(duplex=False)
    process = _jobs().Process(target=run_forked, args=(student, assignment, env, sending))
    process.start()
    sending.close()
    outcome = None
    if receiving.poll(time_limit or None):
        try:
            outcome = receiving.recv()
        except EOFError:  # the job's process died before it could answer
            pass
    else:
        stop_tree(process.pid)
        process.join()
        return {"success": False, "error": f"stopped after {time_limit} s: the job's time limit "
                                           "(--job-timeout); nothing of it was recorded"}
    process.join()
    if outcome is None:
        return {"success": False, "error": f"the grading process ended with exit code {process.exitcode}"}
    return outcome


def _where() -> str:
    import socket

    return f"{socket.gethostname()}:{os.getpid()}"


def _scores(db: Path, job: Job) -> dict:
    """What autograde wrote for the submission: its time, and per notebook the late penalty and each
    cell's automatic score and comment (plain values; `record.py` writes them into the gradebook)."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{db}") as gb:
        submission = gb.find_submission(job.assignment, job.student)
        return {"timestamp": submission.timestamp.isoformat() if submission.timestamp else None,
                "notebooks": {notebook.name: {
                    "grades": {grade.name: grade.auto_score for grade in notebook.grades},
                    "comments": {comment.name: comment.auto_comment for comment in notebook.comments},
                } for notebook in submission.notebooks}}


def submission_files(folder: Path) -> dict:
    """The files of a submission folder as a job carries them."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}
