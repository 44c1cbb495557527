"""Where the course keeps fetched assets and prepared data.

Everything lives under one cache folder so that deleting it is a full reset. The folder is
`$FTCOURSE_HOME` when set, else `$XDG_CACHE_HOME/ftcourse`, else `~/.cache/ftcourse`.
"""
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

from .errors import CourseError


def course_home() -> Path:
    if os.environ.get("FTCOURSE_HOME"):
        return Path(os.environ["FTCOURSE_HOME"]).expanduser().resolve()
    xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(xdg).resolve() / "ftcourse"


def writable_home() -> Path:
    """The cache folder, created if needed; fails with the fix when it cannot be written."""
    home = course_home()
    try:
        home.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=home, prefix=".write-test-"):
            pass
    except OSError as err:
        raise CourseError(
            f"the course cache folder {home} is not writable ({err.strerror}): "
            "set FTCOURSE_HOME to a writable folder, e.g. `export FTCOURSE_HOME=$HOME/ftcourse-cache`"
        ) from None
    return home


@contextmanager
def atomic_dir(target: Path):
    """Yield a temporary folder beside `target`; it replaces `target` only if the block succeeds.

    An interrupted or failed run therefore never leaves a half-written `target` behind.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.partial-"))
    try:
        yield tmp
        if target.exists():
            shutil.rmtree(target)
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def write_atomic(path: Path, text: str) -> Path:
    """Write `text` to `path` through a temporary file in the same folder, then os.replace."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, prefix=f".{path.name}.",
                                     delete=False, newline="") as fh:
        fh.write(text)
    os.replace(fh.name, path)
    return path
