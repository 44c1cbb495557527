"""Checks that exercise tests call, shared by every lesson.

A failed check raises `CheckFailed` with one message: what was expected and what was found. When
the expected value is itself the answer (a count, a size), the message describes it instead of
printing it, so a failing test never gives the answer away. Test cells are graded by nbgrader,
which scores a cell 0 when it writes anything to stderr, so checks that load models run `quiet()`.
"""
import logging
import warnings
from contextlib import contextmanager


class CheckFailed(AssertionError):
    """An exercise check that did not pass; the message tells the student what to look at."""


def expect(condition, what: str, expected: str, found) -> None:
    if not condition:
        raise CheckFailed(f"{what}: expected {expected}; found {found}")


def describe(value) -> str:
    """A short description of a value for messages: its type, and its size where it has one."""
    kind = type(value).__name__
    if value is None:
        return "None"
    if hasattr(value, "shape"):
        return f"{kind} of shape {tuple(value.shape)}"
    if hasattr(value, "__len__") and not isinstance(value, str):
        return f"{kind} of length {len(value)}"
    return f"{kind} {value!r}" if isinstance(value, (int, float, str, bool)) else kind


def expect_type(value, kind, what: str) -> None:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    names = " or ".join(k.__name__ for k in kinds)
    expect(isinstance(value, kinds), what, f"a {names}", describe(value))


def expect_columns(dataset, columns, what: str) -> None:
    found = list(dataset.column_names)
    expect(sorted(found) == sorted(columns), what, f"columns {sorted(columns)}", f"columns {found}")


def expect_between(value, low, high, what: str, expected: str = None) -> None:
    expect(isinstance(value, (int, float)) and low <= value <= high, what,
           expected or f"a value between {low} and {high}", describe(value))


@contextmanager
def quiet():
    """No warnings, library logging or progress bars (datasets' and transformers' "Loading
    weights"): nbgrader would count them as failures."""
    import datasets
    import transformers

    bars = datasets.is_progress_bar_enabled(), transformers.logging.is_progress_bar_enabled()
    previous = transformers.logging.get_verbosity()
    datasets.disable_progress_bars()
    transformers.logging.disable_progress_bar()
    transformers.logging.set_verbosity_error()
    logging.disable(logging.WARNING)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logging.disable(logging.NOTSET)
        transformers.logging.set_verbosity(previous)
        if bars[0]:
            datasets.enable_progress_bars()
        if bars[1]:
            transformers.logging.enable_progress_bar()


def predict(model, tokenizer, texts, max_length: int = 128, batch_size: int = 64) -> list:
    """Predicted class ids for `texts`, computed here and not by the student's code."""
    import torch

    model.eval()
    device = next(model.parameters()).device
    labels = []
    with torch.no_grad():
        for start in range(0, len(texts), batch_size):
            batch = tokenizer(list(texts[start:start + batch_size]), truncation=True, max_length=max_length,
                              padding=True, return_tensors="pt").to(device)
            labels += model(**batch).logits.argmax(-1).tolist()
    return labels


def load_classifier(model_dir):
    """A saved sequence classifier and its tokenizer, loaded fresh from disk."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    with quiet():
        return (AutoModelForSequenceClassification.from_pretrained(str(model_dir)),
                AutoTokenizer.from_pretrained(str(model_dir)))


def saved_model_accuracy(model_dir, dataset, max_length: int = 128) -> float:
    """Accuracy of the model saved in `model_dir` on a dataset with `text` and `label` columns."""
    model, tokenizer = load_classifier(model_dir)
    with quiet():
        predicted = predict(model, tokenizer, dataset["text"], max_length=max_length)
    return sum(p == y for p, y in zip(predicted, dataset["label"])) / len(predicted)


def evaluated_epochs(log_history) -> list:
    """The epochs at which the Trainer logged an evaluation (entries holding `eval_loss`)."""
    return [round(entry["epoch"], 3) for entry in log_history if "eval_loss" in entry]
