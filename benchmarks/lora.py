"""Item 4: LoRA (r=8 on query and value) against full fine-tuning.

Peak memory is a per-process high-water mark, so each run gets a fresh process: the parent
starts `python -m benchmarks.lora MODE ...` and reads the one JSON line it prints. Memory is the
process's peak (CPU: peak resident set size; CUDA: torch.cuda.max_memory_allocated) and also its rise during
training, which is where LoRA saves: gradients and optimizer state for ~0.3% of the weights.
"""
import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .table import Row, median

ROOT = Path(__file__).resolve().parents[1]
MODES = ("lora", "full")


def memory_mb(device: str) -> float:
    """Peak memory so far. On CPU this is the peak resident set size of this process image
    (VmHWM), which is what ru_maxrss reports except that Linux carries ru_maxrss over from the
    parent across fork and exec: the parent's own size would hide the child's."""
    import torch

    if device == "cuda":
        return torch.cuda.max_memory_allocated() / 2**20
    with open("/proc/self/status", encoding="ascii") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:")) / 1024  # kB


def measure(mode: str, steps: int, batch_size: int, max_length: int, lr: float) -> dict:
    """One run in this process: `steps` timed steps after one warm-up step, then a save."""
    import torch
    from peft import LoraConfig, TaskType, get_peft_model

    from .workload import Workload, loader

    work = Workload()
    data = work.tokenized("train", (steps + 1) * batch_size, max_length=max_length)
    model = work.load_model().to(work.device)  # not a copy of a loaded one: that would set the peak
    if mode == "lora":
        model = get_peft_model(model, LoraConfig(task_type=TaskType.SEQ_CLS, r=8, lora_alpha=16, lora_dropout=0.1,
                                                 target_modules=["query", "value"]))
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=lr, fused=True)
    before = memory_mb(work.device)
    model.train()
    seconds = []
    for batch in loader(data, batch_size, work.collator(), work.device):
        started = time.perf_counter()
        model(**{k: v.to(work.device) for k, v in batch.items()}).loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        if work.device == "cuda":
            torch.cuda.synchronize()
        seconds.append(time.perf_counter() - started)
    peak = memory_mb(work.device)
    with tempfile.TemporaryDirectory() as tmp:
        model.save_pretrained(tmp)  # LoRA: the adapter (and the new head) only
        size = sum(p.stat().st_size for p in Path(tmp).rglob("*") if p.is_file())
    return {"mode": mode, "step_s": median(seconds[1:]), "peak_mb": peak, "training_mb": peak - before,
            "trainable": sum(p.numel() for p in trainable), "total": sum(p.numel() for p in model.parameters()),
            "checkpoint_bytes": size}


def in_subprocess(mode: str, args) -> dict:
    command = [sys.executable, "-m", "benchmarks.lora", mode, str(args.lora_steps), str(args.batch_size),
               str(args.max_length), str(args.learning_rate)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{mode} run failed: {(done.stderr.strip().splitlines() or ['no output'])[-1]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def lora_vs_full(args, device: str) -> list:
    from .workload import alternate

    runs = alternate({mode: lambda mode=mode: in_subprocess(mode, args) for mode in MODES}, args.repeats)
    lora, full = ({key: median([r[key] for r in runs[mode]]) for key in runs[mode][0] if key != "mode"}
                  for mode in MODES)
    memory = "CUDA max_memory_allocated" if device == "cuda" else "peak RSS, VmHWM"
    name = "LoRA (r=8, query+value) vs full fine-tuning"
    return [
        Row(4, name, f"time per step (batch {args.batch_size}, max {args.max_length} tokens); ratio LoRA / full",
            f"LoRA {lora['step_s']:.3f} s", f"full {full['step_s']:.3f} s", lora["step_s"] / full["step_s"],
            "< 1x", lora["step_s"] < full["step_s"], f"median of {args.lora_steps} steps per process, each side "
            f"{args.repeats} processes", {"runs": runs}),
        Row(4, name, f"peak memory ({memory}); ratio LoRA / full", f"LoRA {lora['peak_mb']:.0f} MB",
            f"full {full['peak_mb']:.0f} MB", lora["peak_mb"] / full["peak_mb"], "< 1x",
            lora["peak_mb"] < full["peak_mb"],
            f"rise during training: LoRA {lora['training_mb']:.0f} MB, full {full['training_mb']:.0f} MB"),
        Row(4, name, "trainable parameters; ratio LoRA / full", f"LoRA {lora['trainable']:,.0f}",
            f"full {full['trainable']:,.0f}", lora["trainable"] / full["trainable"], "< 0.01x",
            lora["trainable"] / full["trainable"] < 0.01, "LoRA also trains the new classification head"),
        Row(4, name, "checkpoint on disk (save_pretrained); ratio LoRA / full",
            f"adapter {lora['checkpoint_bytes'] / 1e6:.2f} MB", f"model {full['checkpoint_bytes'] / 1e6:.1f} MB",
            lora["checkpoint_bytes"] / full["checkpoint_bytes"], "< 0.05x",
            lora["checkpoint_bytes"] / full["checkpoint_bytes"] < 0.05, "all files save_pretrained writes"),
    ]


if __name__ == "__main__":
    cli = argparse.ArgumentParser(description="one LoRA or full fine-tuning run (started by the benchmark suite)")
    cli.add_argument("mode", choices=MODES)
    cli.add_argument("steps", type=int)
    cli.add_argument("batch_size", type=int)
    cli.add_argument("max_length", type=int)
    cli.add_argument("lr", type=float)
    print(json.dumps(measure(**vars(cli.parse_args()))))
