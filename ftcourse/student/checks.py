"""Checks that exercise tests call, shared by every lesson.

A failed check raises `CheckFailed` with one message: what was expected and what was found. When
the expected value is itself the answer (a count, a size), the message describes it instead of
printing it, so a failing test never gives the answer away.

Test cells run in two places: the visible part in the student's own kernel (instant feedback,
nbgrader's Validate), and the whole cell, hidden tests included, in the grader's trusted process
on the values the student's kernel exported (`ftcourse.shared.portable`). There a model or a
dataset is rebuilt from its files, a function is a proxy that calls the student's code in an
isolated process, and a few objects (TrainingArguments, a Trainer) are records of their
attributes: `expect_type` accepts both.
"""
import hashlib
import hmac

from ..shared.scoring import load_classifier, predict, quiet, saved_model_accuracy  # noqa: F401 - for tests


class CheckFailed(AssertionError):
    """An exercise check that did not pass; the message tells the student what to look at."""


def expect(condition, what: str, expected: str, found) -> None:
    if not condition:
        raise CheckFailed(f"{what}: expected {expected}; found {found}")


def kind_names(value) -> list:
    """The qualified class names of `value`: its real classes, or those it had in the kernel."""
    exported = getattr(value, "exported_types", None)
    if isinstance(exported, list):
        return exported
    return [f"{c.__module__}.{c.__qualname__}" for c in type(value).__mro__]


def is_a(value, kind) -> bool:
    """isinstance, also for a value exported from the kernel as a record of its attributes."""
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if isinstance(value, kinds):
        return True
    names = set(kind_names(value))
    return any(f"{k.__module__}.{k.__qualname__}" in names for k in kinds)


def describe(value) -> str:
    """A short description of a value for messages: its type, and its size where it has one."""
    names = getattr(value, "exported_types", None)
    kind = names[0].rsplit(".", 1)[-1] if names else type(value).__name__
    if value is None:
        return "None"
    if names is not None:
        return kind
    if hasattr(value, "shape"):
        return f"{kind} of shape {tuple(value.shape)}"
    if hasattr(value, "__len__") and not isinstance(value, str):
        return f"{kind} of length {len(value)}"
    return f"{kind} {value!r}" if isinstance(value, (int, float, str, bool)) else kind


def expect_type(value, kind, what: str) -> None:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    names = " or ".join(k.__name__ for k in kinds)
    expect(is_a(value, kinds), what, f"a {names}", describe(value))


def expect_columns(dataset, columns, what: str) -> None:
    found = list(dataset.column_names)
    expect(sorted(found) == sorted(columns), what, f"columns {sorted(columns)}", f"columns {found}")


def expect_between(value, low, high, what: str, expected: str = None) -> None:
    expect(is_number(value) and low <= value <= high, what,
           expected or f"a value between {low} and {high}", describe(value))


def is_number(value) -> bool:
    import math
    import numbers

    return isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)


def expect_close(value, target, what: str, expected: str, tolerance: float = 1e-6) -> None:
    """`value` is a number within `tolerance` of `target`; the message shows `expected`, not `target`."""
    expect(is_number(value), what, "a number", describe(value))
    expect(abs(float(value) - float(target)) <= tolerance, what, expected, describe(float(value)))


def expect_keys(mapping, keys, what: str) -> None:
    expect(isinstance(mapping, dict), what, "a dict", describe(mapping))
    missing = [k for k in keys if k not in mapping]
    expect(not missing, f"the keys of {what}", f"the keys {list(keys)}", f"no key {missing[0]!r}" if missing else "")


def evaluated_epochs(log_history) -> list:
    """The epochs at which the Trainer logged an evaluation (entries holding `eval_loss`)."""
    return [round(entry["epoch"], 3) for entry in log_history if "eval_loss" in entry]


# --- inputs nobody knows in advance ---------------------------------------------------------------

_UNSEEN = {"key": b"", "test": ""}


def use_unseen_key(key: bytes, test: str) -> None:
    """The grader's trusted process: seed `unseen_rng` from the instructor's secret and the test's id."""
    _UNSEEN.update(key=key, test=test)


def unseen_rng(stream: str = ""):
    """A NumPy generator for a hidden test's inputs. In the grader it is seeded from a secret that only
    the instructor's copy holds (the same inputs on every regrading); elsewhere, e.g. when an
    instructor runs the source notebook, from a fixed public seed."""
    import numpy as np

    digest = hmac.new(_UNSEEN["key"] or b"public", f"{_UNSEEN['test']}/{stream}".encode(), hashlib.sha256).digest()
    return np.random.default_rng(int.from_bytes(digest[:16], "big"))
