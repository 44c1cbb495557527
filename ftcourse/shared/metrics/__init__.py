"""The course's own evaluate metric modules, so `evaluate.load("accuracy")` works with no network.

evaluate 0.4.6 looks a metric name up on the hub; when that fails (offline) it falls back to its
dynamic-module cache, `<HF_MODULES_CACHE>/evaluate_modules/metrics/evaluate-metric--<name>/<hash>/`.
`install()` places the scripts of this folder there, exactly as evaluate itself would after a
download, so lesson code calls the real evaluate API unchanged. The scripts are ordinary
evaluate modules written for this course on top of scikit-learn, sacrebleu, rouge-score and seqeval.
"""
import hashlib
import os
import sys
from pathlib import Path

from ..errors import CourseError

SCRIPTS = Path(__file__).parent
DYNAMIC_MODULES = "evaluate_modules"  # evaluate.config.MODULE_NAME_FOR_DYNAMIC_MODULES
NAMES = ("accuracy", "precision", "recall", "f1", "bleu", "sacrebleu", "rouge", "squad", "seqeval")


def modules_cache() -> Path:
    """evaluate's folder of dynamic modules, found as evaluate.config finds it (`HF_MODULES_CACHE`, else
    `HF_HOME`/modules, else `$XDG_CACHE_HOME`/huggingface/modules) but without importing evaluate: that
    import takes about 3 s (it loads transformers' pipelines), and most processes that set up the course
    (grading kernels, trusted checks) never compute a metric. Once evaluate is imported, its own value."""
    config = sys.modules.get("evaluate.config")
    return Path(config.HF_MODULES_CACHE) if config is not None else modules_cache_from_environment()


def modules_cache_from_environment() -> Path:
    """The folder evaluate.config will compute from today's environment variables."""
    cache_home = os.path.expanduser(os.getenv("HF_HOME", os.path.join(os.getenv("XDG_CACHE_HOME", "~/.cache"),
                                                                       "huggingface")))
    return Path(os.getenv("HF_MODULES_CACHE", os.path.join(cache_home, "modules")))


def install() -> list:
    """Copy each metric script into evaluate's module cache (idempotent); return the names."""
    try:
        metrics_dir = modules_cache() / DYNAMIC_MODULES / "metrics"
        metrics_dir.mkdir(parents=True, exist_ok=True)
        for folder in (metrics_dir.parent.parent, metrics_dir.parent, metrics_dir):  # packages, as evaluate makes them
            if not (folder / "__init__.py").exists():
                (folder / "__init__.py").touch()
        for name in NAMES:
            code = (SCRIPTS / f"{name}.py").read_bytes()
            module_dir = metrics_dir / f"evaluate-metric--{name}"
            version_dir = module_dir / hashlib.sha256(code).hexdigest()
            version_dir.mkdir(parents=True, exist_ok=True)
            (module_dir / "__init__.py").touch()
            (version_dir / "__init__.py").touch()
            script = version_dir / f"{name}.py"
            if not script.exists() or script.read_bytes() != code:
                tmp = script.with_suffix(".tmp")
                tmp.write_bytes(code)
                os.replace(tmp, script)
            script.touch()  # evaluate picks the newest cached version of a name
    except OSError as err:
        raise CourseError(
            f"cannot write evaluate's module cache ({err}): set HF_MODULES_CACHE to a writable folder"
        ) from None
    return list(NAMES)
