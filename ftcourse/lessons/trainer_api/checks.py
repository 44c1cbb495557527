"""Checks for lesson 01 (the Trainer API) that its hidden tests call.

The hidden tests recompute what they grade from what the student saved, with data loaded freshly
from the course's CSV files, instead of trusting variables that the student's code reported. Every
helper runs silently: nbgrader scores a test cell 0 when it writes anything to stderr.
"""
from ...shared import scoring
from ...student import checks


def profile_sizes(profile) -> dict:
    return {"train": profile.train_size, "validation": profile.validation_size, "test": profile.test_size}


def fresh_splits(course):
    """The sentiment splits loaded from the CSV files, uncut: what the student started from."""
    from datasets import load_dataset

    from ...shared.data import sentiment_features

    with checks.quiet():
        return load_dataset("csv", data_files=course.data_files, features=sentiment_features())


def fresh_split(course, split: str):
    """One split loaded freshly and cut to the profile's size for it (its first rows)."""
    data = fresh_splits(course)[split]
    size = profile_sizes(course.profile)[split]
    if size is not None and size < len(data):
        data = data.select(range(size))
    return data


def predictions(model, tokenizer, dataset, max_length: int, batch_size: int = 64) -> list:
    """Predicted class ids for the `text` column of `dataset`, on the model's device."""
    with checks.quiet():
        return checks.predict(model, tokenizer, list(dataset["text"]), max_length=max_length,
                              batch_size=batch_size)


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
