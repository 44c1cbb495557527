"""One settings object per grading run: resolved once, checked loudly, carried as JSON, and read by
nbgrader's configuration the same way."""
import json
import subprocess
import sys

import pytest

from conftest import ROOT
from ftcourse.shared.errors import CourseError
from ftcourse.shared.settings import ENV_SETTINGS, RunSettings


def test_resolved_from_the_command_line_with_the_grading_defaults(monkeypatch):
    monkeypatch.delenv("FTCOURSE_PROFILE", raising=False)
    settings = RunSettings.resolve()
    assert (settings.profile, settings.threads, settings.sandbox, settings.variants) == ("ci", 1, True, "")
    assert settings.timeout == settings.cell_timeout == 300  # the ci profile's limit, written out
    assert RunSettings.resolve(profile="cpu", cell_timeout=20, threads=2).timeout == 20
    assert RunSettings.resolve(cell_timeout=20).job_limit == 400  # a job: twenty cell limits unless told
    assert RunSettings.resolve(cell_timeout=20, job_timeout=90).job_limit == 90


@pytest.mark.parametrize("options, problem", [
    ({"profile": "laptop"}, "unknown profile 'laptop': use one of ci, cpu, gpu"),
    ({"threads": 0}, "threads=0 is not a valid number"),
    ({"cell_timeout": -5}, "cell_timeout=-5 is not a valid number"),
    ({"job_timeout": -1}, "job_timeout=-1 is not a valid number"),
])
def test_bad_settings_fail_loudly_with_the_fix(options, problem):
    with pytest.raises(CourseError, match=problem):
        RunSettings.resolve(**options)


def test_the_settings_travel_as_json_and_come_back_equal(tmp_path):
    settings = RunSettings.resolve(profile="cpu", threads=2, workspace=tmp_path, variants="reference")
    path = settings.save(tmp_path / "job" / "settings.json")
    assert RunSettings.load(path) == settings
    raw = json.loads(path.read_text())
    path.write_text(json.dumps({**raw, "extra": 1}))
    with pytest.raises(CourseError, match="unknown keys"):
        RunSettings.load(path)
    path.write_text(json.dumps({**raw, "profile": "laptop"}))
    with pytest.raises(CourseError, match="unknown profile"):
        RunSettings.load(path)


def nbgrader_timeout(env) -> subprocess.CompletedProcess:
    code = ("from ftcourse.shared.nbconfig import nbgrader_config\n"
            "print(nbgrader_config().Execute.timeout)")
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                          env={**env, "PATH": "/usr/bin:/bin"})


def test_nbgrader_reads_the_jobs_settings_and_refuses_an_unknown_profile(tmp_path):
    path = RunSettings.resolve(profile="cpu", cell_timeout=77).save(tmp_path / "settings.json")
    assert nbgrader_timeout({ENV_SETTINGS: str(path)}).stdout.strip() == "77"
    assert nbgrader_timeout({"FTCOURSE_PROFILE": "gpu"}).stdout.strip() == "600"
    refused = nbgrader_timeout({"FTCOURSE_PROFILE": "laptop"})
    assert refused.returncode != 0 and "unknown profile 'laptop'" in refused.stderr


def test_the_kernel_is_told_the_runs_profile_and_threads():
    from ftcourse.instructor.sandbox import kernel_env

    env = kernel_env(RunSettings.resolve(profile="cpu", threads=3))
    assert (env["FTCOURSE_PROFILE"], env["FTCOURSE_TORCH_THREADS"]) == ("cpu", "3")
    assert ENV_SETTINGS not in env


def test_grade_help_lists_every_setting(ftcourse_cli):
    code, out, _ = ftcourse_cli("grade", "--help")
    assert code == 0
    for name in ("profile", "cell_timeout", "threads", "sandbox", "workspace", "variants"):
        assert f"  {name}: " in out
