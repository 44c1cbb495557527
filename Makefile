# The course's two commands, `make course` and `make test`, each set everything up by themselves:
# a project-local .venv with every pinned dependency, then the model and data assets.
# A second run reuses both and goes straight to the job.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: course test test-fast lab formgrade assets profile student validate mutants grade grade-slurm sample-class smoke bench bench-grading gpu-check clean

course: assets
	$(BIN)/ftcourse run

TEST_ENV := FTCOURSE_PROFILE=ci HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 TRANSFORMERS_OFFLINE=1

# Everything: the sample class is graded once (every lesson executed once, in the sandbox), and that
# one run serves grading, both-ways validation, the deterministic outputs and the mutation check.
test: assets
	$(BIN)/ftcourse assets fetch all-mpnet-base-v2  # the gpu profile's model: its code path is tested on the CPU
	scripts/install-chromium
	$(TEST_ENV) scripts/without-network $(BIN)/python -m pytest

# The edit-test loop: everything but what executes notebooks, trains or drives a browser.
test-fast: assets
	$(TEST_ENV) scripts/without-network $(BIN)/python -m pytest -m "not slow"

assets: $(STAMP)
	$(BIN)/ftcourse assets fetch

# Students: JupyterLab on 127.0.0.1 at notebooks/, with nbgrader's Validate button and Assignment List.
lab: assets
	$(BIN)/ftcourse lab

# Instructors: nbgrader's formgrader in JupyterLab on 127.0.0.1, on the graded workspace (autograder/).
formgrade: assets
	$(BIN)/ftcourse lab --instructor

profile: $(STAMP)
	$(BIN)/ftcourse profile --verbose

smoke: assets
	$(BIN)/ftcourse smoke

# The benchmark suite: one table per machine in benchmarks/results/ (at most 20 minutes on 2 cores).
bench: assets
	$(BIN)/python -m benchmarks

# How long grading takes: one student's whole course, and a class of 10 one by one vs in parallel.
bench-grading: assets
	$(BIN)/python -m benchmarks.grading

# On a CUDA machine: every lesson and the validation in the gpu profile (table in docs/gpu/), then the benchmarks.
gpu-check: assets
	$(BIN)/python scripts/gpu-check

# Instructors: regenerate the student versions in notebooks/ from solutions/, then check both ways.
student: $(STAMP)
	$(BIN)/ftcourse build

validate: assets
	$(BIN)/ftcourse validate

# Do the tests catch plausible wrong answers and keep correct ones? Kill rate per lesson.
mutants: assets
	$(BIN)/ftcourse mutants

# Grade a folder or zip of submissions (default: the sample class) into autograder/.
SUBMISSIONS ?= autograder/sample_class
grade: assets
	$(BIN)/ftcourse grade $(SUBMISSIONS)

# A class graded on a Dask cluster of Slurm batch jobs: a one-machine Slurm from Debian's packages
# (as root), then the sample class (or SUBMISSIONS) graded through it into autograder/slurm/.
grade-slurm: assets
	slurm=$$(scripts/slurm-single-node start) && eval "$$slurm" && \
	$(BIN)/ftcourse grade $(SUBMISSIONS) --workspace autograder/slurm --cluster slurm --workers 2 --regrade; \
	status=$$?; scripts/slurm-single-node stop; exit $$status

sample-class: $(STAMP)
	rm -rf autograder/sample_class
	$(BIN)/python -m ftcourse.instructor.sample_class

$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "the course needs Python 3.11: run `make PYTHON=/path/to/python3.11 ...`")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install -r requirements.txt
	$(BIN)/python -m pip install --no-deps --no-build-isolation -e .
	touch $@

clean:
	rm -rf $(VENV) runs .pytest_cache
