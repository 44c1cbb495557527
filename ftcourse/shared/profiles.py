"""Hardware profiles: one set of sizes and settings per kind of machine.

The same notebooks run a tiny fine-tune on a 2-core CI runner and a real one on a GPU; only the
profile changes. A profile fixes everything that trades run time against result quality, and the
pass thresholds that graded tests hold a fine-tune to in that profile.
"""
import os
from dataclasses import asdict, dataclass
from typing import Optional

from .errors import CourseError

ENV_PROFILE = "FTCOURSE_PROFILE"
ENV_THREADS = "FTCOURSE_TORCH_THREADS"


@dataclass(frozen=True)
class Profile:
    name: str
    purpose: str
    encoder: str  # the asset name of the encoder the sentiment lessons fine-tune
    train_size: Optional[int]  # training examples of lessons 02-04; None = the whole split
    validation_size: Optional[int]
    test_size: int  # at most data.GRADING_START: later test rows are kept for grading
    max_length: int  # tokens per example after truncation
    epochs: int  # passes over the training examples in lessons 03 and 04
    full_train_size: Optional[int]  # training examples of lesson 01's full fine-tune (headline run); None = all
    full_epochs: int  # its passes over them: more distinct examples in one pass beat repeated passes
    train_batch_size: int
    eval_batch_size: int
    learning_rate: float  # of the full fine-tunes (lessons 01 and 04)
    lora_learning_rate: float  # of the LoRA fine-tunes (lessons 03 and 04): larger, as LoRA's B starts at zero
    rank_sweep_size: Optional[int]  # training examples of each run of lesson 03's rank table (one epoch); None = all
    rank_sweep_batch_size: int  # its batch size: small enough that one epoch has the steps LoRA needs to learn
    precision: str  # "fp32", or "auto": bf16 where the GPU supports it, else fp16
    torch_threads: Optional[int]  # None = every core this process may use
    cell_timeout: int  # seconds a notebook cell may run when graded
    min_accuracy: float  # held-out accuracy lesson 01's graded full fine-tune must reach
    min_lora_accuracy: float  # held-out accuracy lesson 03's graded LoRA fine-tune must reach
    seed: int = 42

    def as_dict(self) -> dict:
        return asdict(self)


PROFILES = {
    p.name: p
    for p in (
        Profile(
            name="ci",
            purpose="smallest: every lesson in about 2 minutes on 2 CPU cores (CI, quick checks)",
            encoder="all-MiniLM-L6-v2",
            train_size=768, validation_size=128, test_size=256, max_length=64, epochs=1,
            full_train_size=384, full_epochs=2, train_batch_size=8, eval_batch_size=64,
            learning_rate=1e-4, lora_learning_rate=3e-3, rank_sweep_size=768, rank_sweep_batch_size=8, precision="fp32",
            torch_threads=None, cell_timeout=300, min_accuracy=0.65, min_lora_accuracy=0.65,
        ),
        Profile(
            name="cpu",
            purpose="default without CUDA: a few minutes per lesson, accuracy worth looking at",
            encoder="all-MiniLM-L6-v2",
            train_size=2000, validation_size=500, test_size=1000, max_length=64, epochs=2,
            full_train_size=None, full_epochs=1, train_batch_size=16, eval_batch_size=64,
            learning_rate=5e-5, lora_learning_rate=2e-3, rank_sweep_size=768, rank_sweep_batch_size=8, precision="fp32",
            torch_threads=None, cell_timeout=900, min_accuracy=0.75, min_lora_accuracy=0.70,
        ),
        Profile(
            name="gpu",
            purpose="default with CUDA: a 110M-parameter encoder on the whole train split, mixed precision",
            encoder="all-mpnet-base-v2",
            train_size=None, validation_size=None, test_size=1000, max_length=128, epochs=3,
            full_train_size=None, full_epochs=3, train_batch_size=64, eval_batch_size=256,
            learning_rate=5e-5, lora_learning_rate=2e-3, rank_sweep_size=None, rank_sweep_batch_size=64,
            precision="auto",
            torch_threads=None, cell_timeout=600, min_accuracy=0.80, min_lora_accuracy=0.80,
        ),
    )
}


def cuda_available() -> bool:
    import torch

    return torch.cuda.is_available()


def get(name: str) -> Profile:
    """The profile of that name; an unknown name fails with the valid ones."""
    if name not in PROFILES:
        raise CourseError(
            f"unknown profile '{name}': use one of {', '.join(PROFILES)} "
            f"(e.g. `export {ENV_PROFILE}=ci`)"
        )
    return PROFILES[name]


def select(name: Optional[str] = None) -> Profile:
    """The profile named by the argument, else by $FTCOURSE_PROFILE, else by the hardware.

    This is how a notebook's `ftcourse.setup()` chooses. A grading run resolves its own profile once
    (`settings.RunSettings`) and hands it to each kernel through $FTCOURSE_PROFILE."""
    return get(name or os.environ.get(ENV_PROFILE) or ("gpu" if cuda_available() else "cpu"))


def precision(profile: Profile) -> str:
    """The floating-point format training will use on this machine: 'bf16', 'fp16' or 'fp32'."""
    if profile.precision == "fp32" or not cuda_available():
        return "fp32"
    import torch

    # without the flag, pre-Ampere GPUs answer True for a bf16 they only emulate, slowly
    return "bf16" if torch.cuda.is_bf16_supported(including_emulation=False) else "fp16"


def torch_threads(profile: Profile) -> int:
    """Threads for torch: $FTCOURSE_TORCH_THREADS (graders set 1 per kernel), else the profile's."""
    raw = os.environ.get(ENV_THREADS)
    if raw:
        if not raw.isdigit() or int(raw) < 1:
            raise CourseError(f"{ENV_THREADS}={raw!r} is not a positive whole number: set it to e.g. 1")
        return int(raw)
    return profile.torch_threads or len(os.sched_getaffinity(0))
