"""`ftcourse.setup()`: the first code cell of every lesson.

It makes a lesson behave the same on every machine: the profile decides sizes and settings, the
hub is never contacted, seeds and torch threads are fixed, the model and data are local, and
`evaluate.load(...)` finds the course's metric modules. It prints one line saying what it chose.
"""
import importlib.util
import os
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path

from ..shared import metrics, profiles
from ..shared.assets import CHAT_MODEL, encoder_for, require
from ..shared.data import sentiment_files, sentiment_stats
from ..shared.errors import CourseError

REQUIRED = ("torch", "transformers", "datasets", "evaluate", "peft", "accelerate", "sklearn",
            "seqeval", "rouge_score", "sacrebleu")
OFFLINE = {"HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
           "HF_EVALUATE_OFFLINE": "1", "HF_HUB_DISABLE_TELEMETRY": "1", "TOKENIZERS_PARALLELISM": "false"}


@dataclass(frozen=True)
class Course:
    """What a lesson needs after set-up: the profile and where the local model and data are."""

    profile: profiles.Profile
    device: str  # "cuda" or "cpu"
    precision: str  # "bf16", "fp16" or "fp32"
    threads: int
    model_dir: str
    data_files: dict  # split -> CSV path of the sentiment data

    @property
    def chat_model_dir(self) -> str:
        """The local SmolLM2-135M-Instruct chat model (a Hugging Face folder, float32, converted from
        4-bit GGUF), for the lessons that generate text. Looked up when read, so that a missing copy
        fails with the fix only in those lessons."""
        return str(require(CHAT_MODEL))

    def summary(self) -> str:
        sizes = sentiment_stats()
        parts = []
        for split, limit in (("train", self.profile.train_size), ("validation", self.profile.validation_size),
                             ("test", self.profile.test_size)):
            total = sizes[split]["rows"]
            parts.append(f"{split} {min(limit or total, total)}/{total}")
        full = self.profile.full_train_size
        if full != self.profile.train_size:
            parts[0] += f" (lesson 01: {min(full or sizes['train']['rows'], sizes['train']['rows'])})"
        return (f"ftcourse: profile {self.profile.name} | device {self.device} ({self.precision}, "
                f"{self.threads} torch threads) | model {Path(self.model_dir).name} | data " + ", ".join(parts))


def check_packages() -> None:
    missing = [name for name in REQUIRED if importlib.util.find_spec(name) is None]
    if missing:
        raise CourseError(
            f"missing Python packages: {', '.join(missing)}: run `make course` in the course folder "
            "(or `pip install -r requirements.txt` in your environment)"
        )


def quiet_known_noise() -> None:
    """Silence warnings that say nothing to a student (pinned memory is a GPU-only feature)."""
    warnings.filterwarnings("ignore", message="'pin_memory' argument is set as true but no accelerator")


def go_offline() -> None:
    """Never reach for the hub, also when transformers or datasets were imported before set-up."""
    for key, value in OFFLINE.items():
        os.environ.setdefault(key, value)
    offline = os.environ["HF_HUB_OFFLINE"].upper() in {"1", "TRUE", "YES", "ON"}
    # each library reads these variables when it is imported; one imported before set-up gets its flag
    # set here (importing the others just for this would cost seconds: evaluate loads transformers' pipelines)
    for module, flag in (("huggingface_hub.constants", "HF_HUB_OFFLINE"), ("datasets.config", "HF_HUB_OFFLINE"),
                         ("evaluate.config", "HF_EVALUATE_OFFLINE")):
        if module in sys.modules:
            setattr(sys.modules[module], flag, offline)


def prepare(profile_name=None) -> Course:
    """Apply a profile without printing: the shared core of `setup()` and the terminal commands."""
    check_packages()
    profile = profiles.select(profile_name)
    go_offline()
    quiet_known_noise()
    import random

    import numpy as np
    import torch

    threads = profiles.torch_threads(profile)
    torch.set_num_threads(threads)
    # what transformers.set_seed does (Python, NumPy, torch and every CUDA device), without importing
    # transformers.trainer_utils, which imports peft: 1.7 s in every grading kernel and check
    random.seed(profile.seed)
    np.random.seed(profile.seed)
    torch.manual_seed(profile.seed)
    metrics.install()
    return Course(profile=profile, device="cuda" if torch.cuda.is_available() else "cpu",
                  precision=profiles.precision(profile), threads=threads,
                  model_dir=str(require(encoder_for(profile))), data_files=sentiment_files())


def setup(profile=None) -> Course:
    """Set the lesson up for this machine (or for `profile`) and say in one line what was chosen."""
    course = prepare(profile)
    print(course.summary())
    return course
