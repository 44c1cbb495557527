"""Scoring a sentiment classifier, the same way for every lesson, the grader and the benchmarks:
predictions computed here (not by a student's code), accuracy as the share of matching labels,
and library noise silenced (nbgrader counts anything written to stderr as a failure)."""
import logging
import warnings
from contextlib import contextmanager


@contextmanager
def quiet():
    """No warnings, library logging or progress bars (datasets' and transformers' "Loading
    weights") inside the block."""
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


def accuracy(predicted, labels) -> float:
    """The share of predictions equal to their labels (0.0 for no examples)."""
    predicted, labels = list(predicted), list(labels)
    if len(predicted) != len(labels):
        raise ValueError(f"{len(predicted)} predictions for {len(labels)} labels")
    return sum(int(p) == int(y) for p, y in zip(predicted, labels)) / len(labels) if labels else 0.0


def logits(model, tokenizer, texts, max_length: int = 128, batch_size: int = 64):
    """The logits of `model` for `texts`, in batches, as float32 on the CPU."""
    import torch

    model.eval()
    device = next(model.parameters()).device
    found = []
    with torch.no_grad(), quiet():
        for start in range(0, len(texts), batch_size):
            batch = tokenizer(list(texts[start:start + batch_size]), truncation=True, max_length=max_length,
                              padding=True, return_tensors="pt").to(device)
            found.append(model(**batch).logits.float().cpu())
    return torch.cat(found) if found else torch.empty(0)


def predict(model, tokenizer, texts, max_length: int = 128, batch_size: int = 64) -> list:
    """Predicted class ids for `texts`, computed here and not by the student's code."""
    return logits(model, tokenizer, texts, max_length, batch_size).argmax(-1).tolist() if len(texts) else []


def load_classifier(model_dir):
    """A saved sequence classifier and its tokenizer, loaded fresh from disk (weights from
    safetensors only, no remote code)."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    with quiet():
        return (AutoModelForSequenceClassification.from_pretrained(str(model_dir), use_safetensors=True,
                                                                   trust_remote_code=False),
                AutoTokenizer.from_pretrained(str(model_dir), trust_remote_code=False))


def saved_model_accuracy(model_dir, dataset, max_length: int = 128) -> float:
    """Accuracy of the model saved in `model_dir` on a dataset with `text` and `label` columns."""
    model, tokenizer = load_classifier(model_dir)
    return accuracy(predict(model, tokenizer, dataset["text"], max_length=max_length), dataset["label"])
