"""One grading run's settings, resolved once at the command line and carried by every job.

`ftcourse grade` (and `validate`, `mutants`) turn their options into a `RunSettings`, check it, and
write it as JSON into each job's runtime folder. Everything that runs for that job reads the same
file: the autograding process, nbgrader's configuration (`autograder/nbgrader_config.py`), the
trusted checks and, through the environment derived from it here, the student's kernel. An unknown
profile or a bad number fails here, loudly, with the fix; nothing downstream re-defaults a value.

    settings = RunSettings.resolve(profile="ci", threads=1)
    settings.save(folder / "settings.json")        # travels with the job
    RunSettings.load(folder / "settings.json")     # in the job, in nbgrader_config.py
"""
import json
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from . import profiles
from .catalogue import ROOT
from .errors import CourseError

ENV_SETTINGS = "FTCOURSE_RUN_SETTINGS"  # the path of a job's settings file
GRADING_PROFILE = "ci"  # grading's default: the same small profile for every student


@dataclass(frozen=True)
class RunSettings:
    """How one grading run executes notebooks and checks them."""

    profile: str = field(default=GRADING_PROFILE, metadata={
        "help": "profile every notebook runs in (ci, cpu, gpu); grading defaults to ci, so that every "
                "student is held to the same sizes and marks"})
    cell_timeout: int = field(default=0, metadata={
        "help": "seconds one cell may run before it is interrupted; 0 means the profile's own limit"})
    threads: int = field(default=1, metadata={
        "help": "torch threads per kernel; jobs side by side = cores // threads"})
    sandbox: bool = field(default=True, metadata={
        "help": "run student code and the trusted checks in Linux namespaces (no network, no course files)"})
    workspace: str = field(default=str(ROOT / "autograder"), metadata={
        "help": "folder of the gradebook, submissions, autograded notebooks, feedback and grades.csv"})
    variants: str = field(default="", metadata={
        "help": "instructor check of the tests: the student (e.g. 'reference') whose submissions also try "
                "each exercise's variants and mutants (solutions/<lesson>/instructor/variants.yaml); "
                "empty for real grading"})

    job_timeout: int = field(default=0, metadata={
        "help": "seconds one job (a student's assignment) may run in all before it is stopped and reported "
                "as not graded; 0 means twenty times the cell limit"})

    slow_variants: bool = field(default=False, metadata={
        "help": "with variants: also the variants marked `slow: true` (each a full fine-tune); "
                "`ftcourse mutants` tries them all, the test suite the rest"})

    def __post_init__(self):
        profiles.get(self.profile)  # unknown profile: CourseError naming the valid ones
        if not isinstance(self.variants, str):
            raise CourseError(f"variants={self.variants!r} must name a student (or be empty)")
        for name in ("cell_timeout", "threads", "job_timeout"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < (1 if name == "threads" else 0):
                raise CourseError(f"{name}={value!r} is not a valid number: see `ftcourse grade --help`")

    @classmethod
    def resolve(cls, profile=None, cell_timeout=None, threads=None, sandbox=True, workspace=None,
                variants="", slow_variants=False, job_timeout=None) -> "RunSettings":
        """Command-line options (None: not given) -> settings. The profile comes from the option, else
        $FTCOURSE_PROFILE, else `ci`; the cell limit from the option, else the profile's."""
        name = profile or os.environ.get(profiles.ENV_PROFILE) or GRADING_PROFILE
        chosen = profiles.get(name)
        return cls(profile=chosen.name, cell_timeout=int(cell_timeout or chosen.cell_timeout),
                   threads=1 if threads is None else threads, sandbox=bool(sandbox),
                   workspace=str(Path(workspace or ROOT / "autograder").resolve()), variants=variants or "",
                   slow_variants=bool(slow_variants), job_timeout=int(job_timeout or 0))

    @property
    def profile_settings(self) -> profiles.Profile:
        return profiles.get(self.profile)

    @property
    def timeout(self) -> int:
        """The per-cell limit in force: the explicit one, else the profile's."""
        return self.cell_timeout or self.profile_settings.cell_timeout

    @property
    def job_limit(self) -> int:
        """Seconds a whole job may run: the explicit limit, else twenty times the cell limit."""
        return self.job_timeout or 20 * self.timeout

    def kernel_environment(self) -> dict:
        """What a notebook's kernel is told of these settings: its profile and its torch threads."""
        return {profiles.ENV_PROFILE: self.profile, profiles.ENV_THREADS: str(self.threads)}

    def save(self, path: Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(asdict(self), indent=1) + "\n")
        return path

    @classmethod
    def load(cls, path: Path) -> "RunSettings":
        try:
            raw = json.loads(Path(path).read_text())
        except (OSError, ValueError) as err:
            raise CourseError(f"cannot read the run settings {path} ({type(err).__name__}): start the run "
                              "again with `ftcourse grade`") from None
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(raw) - known)
        if unknown:
            raise CourseError(f"the run settings {path} hold unknown keys {unknown}: they were written by "
                              "another version of the course")
        return cls(**raw)

    @classmethod
    def current(cls) -> "RunSettings":
        """The job's settings when $FTCOURSE_RUN_SETTINGS names a file, else resolved from the environment
        (what nbgrader's own commands, e.g. Validate in JupyterLab, run under)."""
        path = os.environ.get(ENV_SETTINGS)
        return cls.load(Path(path)) if path else cls.resolve()

    @classmethod
    def describe(cls) -> str:
        """Each field with its help text, for `--help` and the README."""
        return "\n".join(f"  {f.name}: {f.metadata['help']}" for f in fields(cls))
