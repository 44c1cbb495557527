"""The pins: every direct dependency pinned once, and environment.yml saying the same."""
import re
import sys

import yaml
from conftest import ROOT


def pins(lines):
    found = {}
    for line in lines:
        line = line.split("#")[0].strip()
        if line and not line.startswith("-"):
            name, sep, version = line.partition("==")
            assert sep, f"'{line}' is not pinned with =="
            found[name.lower()] = version
    return found


def test_requirements_pin_everything_the_issue_names():
    required = pins((ROOT / "requirements.txt").read_text().splitlines())
    for name in ("torch", "transformers", "datasets", "evaluate", "peft", "accelerate", "nbgrader",
                 "nbval", "jupyterlab", "notebook", "pytest", "scikit-learn", "seqeval", "rouge-score",
                 "sacrebleu"):
        assert name in required, f"{name} is not pinned in requirements.txt"
    assert required["torch"] == "2.13.0"
    assert required["transformers"].startswith("5.") and required["datasets"].startswith("5.")
    assert required["evaluate"] == "0.4.6" and required["peft"].startswith("0.21.")
    assert required["nbgrader"] == "0.9.6" and required["nbval"] == "0.11.0"
    assert required["jupyterlab"].startswith("4.6.") and required["notebook"].startswith("7.6.")


def test_environment_yml_matches_requirements():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    assert "python=3.11" in conda
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert pins(pip_section) == pins((ROOT / "requirements.txt").read_text().splitlines())


def test_installed_versions_are_the_pinned_ones():
    from importlib.metadata import version

    for name, pinned in pins((ROOT / "requirements.txt").read_text().splitlines()).items():
        installed = re.sub(r"\+.*", "", version(name))  # torch reports 2.13.0+cpu
        assert installed == pinned, f"{name}: installed {installed}, pinned {pinned}; run `make course`"
    assert sys.version_info[:2] == (3, 11)
