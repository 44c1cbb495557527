"""The course's own evaluate metric modules, so `evaluate.load("accuracy")` works with no network.

evaluate 0.4.6 looks a metric name up on the hub; when that fails (offline) it falls back to its
dynamic-module cache, `<HF_MODULES_CACHE>/evaluate_modules/metrics/evaluate-metric--<name>/<hash>/`.
`install()` places the scripts of this folder there, exactly as evaluate itself would after a
download, so lesson code calls the real evaluate API unchanged. The scripts are ordinary
evaluate modules written for this course on top of scikit-learn, sacrebleu, rouge-score and seqeval.
"""
import hashlib
import os
from pathlib import Path

from ..errors import CourseError

SCRIPTS = Path(__file__).parent
NAMES = ("accuracy", "precision", "recall", "f1", "bleu", "sacrebleu", "rouge", "squad", "seqeval")


def install() -> list:
    """Copy each metric script into evaluate's module cache (idempotent); return the names."""
    from evaluate.loading import init_dynamic_modules

    try:
        metrics_dir = Path(init_dynamic_modules()) / "metrics"
        metrics_dir.mkdir(exist_ok=True)
        (metrics_dir / "__init__.py").touch()
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
