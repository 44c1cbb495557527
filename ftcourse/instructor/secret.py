"""The instructor's secret: what hidden tests draw their inputs from (`checks.unseen_rng`).

It lives in the grading workspace (`<workspace>/.secret`, created on first use, readable by its
owner only), or comes from $FTCOURSE_SECRET. The sandbox hides the workspace from every student
kernel, so a submission cannot know the inputs its functions will be called with; keeping the
same secret makes regrading give the same scores.
"""
import os
import secrets
from pathlib import Path

ENV_SECRET = "FTCOURSE_SECRET"


def course_key(workspace) -> bytes:
    text = os.environ.get(ENV_SECRET)
    if text:
        return text.encode()
    path = Path(workspace) / ".secret"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32) + "\n")
    return path.read_text().strip().encode()
