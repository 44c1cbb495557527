"""Checks for lesson 01 (the Trainer API) that its hidden tests call.

The hidden tests recompute what they grade from what the student saved, with data loaded freshly
from the course's CSV files, instead of trusting variables that the student's code reported. Every
helper runs silently: nbgrader scores a test cell 0 when it writes anything to stderr.
"""
from pathlib import Path

from ...shared import scoring
from ...shared.encoders import course_tokenizer
from ...student import checks

CHECKPOINT_DIR = Path("runs") / "01_trainer_api" / "checkpoints"  # the lesson's checkpoint_dir, relative to it
MARGIN = 0.10  # how far a fine-tune must beat the untrained model (and the majority guess) on held-out rows


def profile_sizes(profile) -> dict:
    return {"train": profile.full_train_size, "validation": profile.validation_size, "test": profile.test_size}


def fresh_splits(course):
    """The sentiment splits loaded from the CSV files, uncut: what the student started from."""
    from datasets import load_dataset

    from ...shared.data import sentiment_features

    with checks.quiet():
        return load_dataset("csv", data_files=course.data_files, features=sentiment_features())


def fresh_split(course, split: str, data=None):
    """One split loaded freshly (or taken from `data`, the uncut splits) and cut to the profile's size
    for it (its first rows)."""
    data = (data if data is not None else fresh_splits(course))[split]
    size = profile_sizes(course.profile)[split]
    if size is not None and size < len(data):
        data = data.select(range(size))
    return data


def predictions(model, tokenizer, dataset, max_length: int, batch_size: int = 64) -> list:
    """Predicted class ids for the `text` column of `dataset`, on the model's device."""
    with checks.quiet():
        return checks.predict(model, tokenizer, list(dataset["text"]), max_length=max_length,
                              batch_size=batch_size)


def predictions_and_loss(model, tokenizer, dataset, max_length: int, batch_size: int = 64) -> tuple:
    """Predicted class ids for `dataset` and the mean cross-entropy of its labels (what
    `trainer.evaluate` reports as the loss), from the course's logits (batches padded as the collator pads)."""
    import torch

    texts, labels = list(dataset["text"]), list(dataset["label"])
    if not texts:
        return [], 0.0
    found = scoring.logits(model, tokenizer, texts, max_length, batch_size)
    return found.argmax(-1).tolist(), torch.nn.functional.cross_entropy(found, torch.tensor(labels)).item()


def accuracy(predicted, dataset) -> float:
    return scoring.accuracy(predicted, dataset["label"])


def reload(model_dir, device=None):
    """The classifier and tokenizer saved in `model_dir`, loaded fresh (onto `device` if given)."""
    with checks.quiet():
        model, tokenizer = checks.load_classifier(model_dir)
    if device is not None:
        model.to(device)
    return model, tokenizer


def untrained_accuracy(course, dataset) -> float:
    """Accuracy of the pretrained encoder with a new, untrained classification head.

    The head is initialised with the profile's seed inside a forked random state, so the value is
    the same in every run and the notebook's own random state is left untouched.
    """
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from ...shared.data import LABELS

    with checks.quiet(), torch.random.fork_rng(devices=[]):
        torch.manual_seed(course.profile.seed)
        model = AutoModelForSequenceClassification.from_pretrained(course.model_dir, num_labels=len(LABELS))
        tokenizer = AutoTokenizer.from_pretrained(course.model_dir)
    return accuracy(predictions(model, tokenizer, dataset, course.profile.max_length), dataset)


def checkpoint_tensor(model_dir, name: str):
    """One tensor of the pretrained checkpoint, read straight from its safetensors file."""
    from pathlib import Path

    from safetensors import safe_open

    with safe_open(str(Path(model_dir) / "model.safetensors"), framework="pt") as fh:
        return fh.get_tensor(name)


def profile_splits(course):
    """The sentiment splits cut to the profile's sizes (their first rows): exercise 1's answer."""
    from datasets import DatasetDict

    data = fresh_splits(course)
    return DatasetDict({split: fresh_split(course, split, data) for split in profile_sizes(course.profile)})


# What an answer cell may read when the grader runs it on its own (ftcourse.instructor.isolated):
# exercise 3's `tokenize` uses the course tokenizer and maps over the profile's splits.
ANSWER_CONTEXT = {
    "tokenizer": course_tokenizer,
    "raw_datasets": profile_splits,
}


def majority_share(dataset) -> float:
    """The accuracy of always guessing the most frequent label of `dataset`."""
    from collections import Counter

    labels = list(dataset["label"])
    return max(Counter(labels).values()) / len(labels) if labels else 0.0


# --- compute_metrics ------------------------------------------------------------------------------

def reference_metrics(logits, labels) -> dict:
    """Accuracy and F1 of class 1 of the argmax predictions (ties: the lower class id, as np.argmax),
    with scikit-learn's defaults, which evaluate's metrics reproduce (F1 is 0.0 when undefined)."""
    import numpy as np
    from sklearn.metrics import accuracy_score, f1_score

    predicted = np.asarray(logits).argmax(-1)
    with checks.quiet():
        return {"accuracy": float(accuracy_score(labels, predicted)), "f1": float(f1_score(labels, predicted))}


def expect_metrics(compute_metrics, logits, labels, what: str) -> None:
    """compute_metrics on (logits, labels) returns exactly accuracy and f1, as floats, equal to the
    reference values. `what` describes the inputs in the message, never the expected numbers."""
    from transformers import EvalPrediction

    with checks.quiet():
        result = compute_metrics(EvalPrediction(predictions=logits, label_ids=labels))
    checks.expect(isinstance(result, dict), f"compute_metrics on {what}", "a dict", checks.describe(result))
    checks.expect(sorted(result) == ["accuracy", "f1"], f"the keys of compute_metrics on {what}",
                  "exactly 'accuracy' and 'f1'", sorted(result))
    wanted = reference_metrics(logits, labels)
    for name in ("accuracy", "f1"):
        value = result[name]
        checks.expect(isinstance(value, float), f"compute_metrics(...)['{name}'] on {what}", "a float",
                      type(value).__name__)
        checks.expect(abs(value - wanted[name]) < 1e-9, f"compute_metrics(...)['{name}'] on {what}",
                      "the value of evaluate's metric (default settings) on the argmax predictions, where a "
                      "tie goes to the lower class id", round(value, 4))


def difference(found: list, wanted: list) -> str:
    """Where two lists of rows first differ, for a message that does not show the expected rows."""
    if len(found) != len(wanted):
        return f"{len(found)} rows, a different number"
    first = next((i for i, (a, b) in enumerate(zip(found, wanted)) if a != b), None)
    return "the same rows" if first is None else f"a different row at position {first}"
