"""setup() and profiles: the choice of profile, the one-line summary, and the errors users can fix."""
import importlib.util
import os

import pytest

from ftcourse.shared import profiles
from ftcourse.shared.errors import CourseError
from ftcourse.student import setup as lesson_setup


def test_profile_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("FTCOURSE_PROFILE", "ci")
    assert profiles.select().name == "ci"
    monkeypatch.delenv("FTCOURSE_PROFILE")
    assert profiles.select().name == ("gpu" if profiles.cuda_available() else "cpu")


def test_unknown_profile_lists_the_valid_ones(monkeypatch):
    monkeypatch.setenv("FTCOURSE_PROFILE", "laptop")
    with pytest.raises(CourseError, match="unknown profile 'laptop': use one of ci, cpu, gpu"):
        profiles.select()


def test_profiles_grow_from_ci_to_gpu():
    ci, cpu, gpu = (profiles.PROFILES[n] for n in ("ci", "cpu", "gpu"))
    assert ci.train_size < cpu.train_size and gpu.train_size is None
    assert ci.full_train_size < cpu.train_size and cpu.full_train_size is gpu.full_train_size is None  # None: all
    from ftcourse.shared.data import GRADING_START

    assert all(p.test_size <= GRADING_START for p in (ci, cpu, gpu)), "grading rows must stay unseen"
    assert ci.min_accuracy <= cpu.min_accuracy <= gpu.min_accuracy
    assert ci.min_lora_accuracy <= cpu.min_lora_accuracy <= gpu.min_lora_accuracy
    assert ci.precision == cpu.precision == "fp32" and gpu.precision == "auto"


def test_threads_follow_the_grader_override(monkeypatch):
    monkeypatch.setenv("FTCOURSE_TORCH_THREADS", "1")
    assert profiles.torch_threads(profiles.PROFILES["ci"]) == 1
    monkeypatch.setenv("FTCOURSE_TORCH_THREADS", "many")
    with pytest.raises(CourseError, match="positive whole number"):
        profiles.torch_threads(profiles.PROFILES["ci"])
    monkeypatch.delenv("FTCOURSE_TORCH_THREADS")
    assert profiles.torch_threads(profiles.PROFILES["ci"]) == len(os.sched_getaffinity(0))


def test_setup_applies_the_profile_and_prints_one_line(capsys):
    import torch

    course = lesson_setup.setup("ci")
    line = capsys.readouterr().out.strip()
    assert "\n" not in line
    assert line.startswith("ftcourse: profile ci | device cpu (fp32,")
    assert "model all-MiniLM-L6-v2" in line and "train 768/10201 (lesson 01: 384), validation 128/1275, test 256/1276" in line
    assert torch.get_num_threads() == course.threads
    assert os.environ["HF_HUB_OFFLINE"] == "1"


def test_missing_package_names_the_fix(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "peft" else real(name, *a))
    with pytest.raises(CourseError, match=r"missing Python packages: peft: run `make course`"):
        lesson_setup.check_packages()


def test_profile_command_and_its_error(ftcourse_cli):
    code, out, _ = ftcourse_cli("profile", "ci", "--verbose")
    assert code == 0 and out.startswith("ftcourse: profile ci |") and "min_accuracy: 0.65" in out
    code, out, err = ftcourse_cli("profile", "laptop")
    assert code == 2 and out == ""
    assert err.strip() == "ftcourse: error: unknown profile 'laptop': use one of ci, cpu, gpu (e.g. `export FTCOURSE_PROFILE=ci`)"
