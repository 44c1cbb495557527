"""What machine a result comes from: numbers without it cannot be compared or reproduced."""
import os
import platform
import re
from datetime import datetime, timezone
from importlib import metadata

PACKAGES = ("torch", "transformers", "peft", "datasets")


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def describe() -> dict:
    import torch

    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
    return {"cpu": cpu_model(), "cores": len(os.sched_getaffinity(0)), "torch_threads": torch.get_num_threads(),
            "gpu": gpu, "python": platform.python_version(),
            "versions": {name: metadata.version(name) for name in PACKAGES},
            "date": datetime.now(timezone.utc).isoformat(timespec="seconds")}


def slug(machine: dict) -> str:
    """A file name for the machine, e.g. 'amd-epyc-2cores' or 'nvidia-h100-80gb-hbm3-16cores'."""
    name = re.sub(r"[^a-z0-9]+", "-", (machine["gpu"] or machine["cpu"]).lower()).strip("-")
    return f"{name}-{machine['cores']}cores"


def header(machine: dict) -> str:
    versions = ", ".join(f"{k} {v}" for k, v in machine["versions"].items())
    return (f"- machine: {machine['cpu']}, {machine['cores']} usable cores ({machine['torch_threads']} torch threads); "
            f"GPU: {machine['gpu'] or 'none'}\n- software: Python {machine['python']}, {versions}\n"
            f"- date: {machine['date']}")
