"""Helpers of lesson 04 (evaluation): a small multi-class data set, tag tables, and checks.

The checks follow `checks.py`: a failure says what was expected and what was found, and describes
an expected value instead of printing it when that value is the answer.
"""
import math

from ..shared.assets import NEWS, require
from .checks import describe, expect

# The metric modules that `evaluate.load` finds offline in this course (see ftcourse/shared/metrics).
METRIC_NAMES = ("accuracy", "precision", "recall", "f1", "bleu", "sacrebleu", "rouge", "squad", "seqeval")


def _read_text(path) -> str:
    """A BBC file's text: UTF-8, or Latin-1 for the one file that is not UTF-8."""
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def load_news_headlines():
    """BBC News headlines with their topics: `(headlines, labels, topic_names)`.

    Topics are the sorted folder names and labels their indices. An article whose whole text
    repeats an earlier one (in folder and file order) is dropped, so no headline is counted twice.
    """
    folder = require(NEWS)
    topic_names = sorted(p.name for p in folder.iterdir() if p.is_dir())
    headlines, labels, seen = [], [], set()
    for label, topic in enumerate(topic_names):
        for path in sorted((folder / topic).glob("*.txt")):
            text = _read_text(path).strip()
            if not text or text in seen:
                continue
            seen.add(text)
            headlines.append(text.splitlines()[0].strip())
            labels.append(label)
    return headlines, labels, topic_names


def show_tags(tokens, *columns, names=("gold", "predicted")) -> None:
    """Print tokens with one or more tag columns side by side; rows where the tags differ get a '<'."""
    width = max(len(t) for t in tokens)
    widths = [max([len(n)] + [len(tag) for tag in col]) for n, col in zip(names, columns)]
    print(f"{'token':<{width}}  " + "  ".join(f"{n:<{w}}" for n, w in zip(names, widths)))
    for i, token in enumerate(tokens):
        tags = [col[i] for col in columns]
        mark = "  <" if len(set(tags)) > 1 else ""
        print(f"{token:<{width}}  " + "  ".join(f"{t:<{w}}" for t, w in zip(tags, widths)) + mark)


def is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def expect_close(value, target, what: str, expected: str, tolerance: float = 1e-6) -> None:
    """`value` is a number within `tolerance` of `target`; the message shows `expected`, not `target`."""
    expect(is_number(value), what, "a number", describe(value))
    expect(abs(float(value) - float(target)) <= tolerance, what, expected, describe(float(value)))


def expect_keys(mapping, keys, what: str) -> None:
    expect(isinstance(mapping, dict), what, "a dict", describe(mapping))
    missing = [k for k in keys if k not in mapping]
    expect(not missing, f"the keys of {what}", f"the keys {list(keys)}", f"no key {missing[0]!r}" if missing else "")
