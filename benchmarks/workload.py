"""What the training comparisons share: the course's model and data, and one plain training loop.

Every run starts from the same weights (one loaded model, deep-copied) and random state, and
trains on the same examples in the same order (no shuffling), so that two sides of a comparison
do the same work.
"""
import copy
import math
import time
from functools import cached_property

from ftcourse.shared.data import LABELS, load_sentiment
from ftcourse.student.setup import prepare


def quiet() -> None:
    """Progress bars and load reports would bury the budget lines in the log."""
    import datasets
    from transformers.utils import logging

    datasets.disable_progress_bars()
    logging.set_verbosity_error()
    logging.disable_progress_bar()


class Workload:
    def __init__(self, profile=None):
        self.course = prepare(profile)
        quiet()

    @property
    def device(self) -> str:
        return self.course.device

    @cached_property
    def tokenizer(self):
        from transformers import AutoTokenizer

        return AutoTokenizer.from_pretrained(self.course.model_dir)

    @cached_property
    def data(self):
        return load_sentiment()

    def load_model(self):
        """The encoder with a new classification head, the same head weights every time."""
        from transformers import AutoModelForSequenceClassification, set_seed

        set_seed(self.course.profile.seed)
        return AutoModelForSequenceClassification.from_pretrained(self.course.model_dir, num_labels=len(LABELS))

    @cached_property
    def _base(self):
        return self.load_model()

    def model(self):
        """A fresh copy of the loaded model on the course's device (copying beats reloading),
        with the random state reset so that every run draws the same dropout masks."""
        from transformers import set_seed

        model = copy.deepcopy(self._base).to(self.device)
        set_seed(self.course.profile.seed)
        return model

    def texts(self, split: str, n: int):
        return self.data[split].select(range(min(n, len(self.data[split]))))

    def tokenized(self, split: str, n: int, **options):
        tokenizer = self.tokenizer
        return self.texts(split, n).map(lambda batch: tokenizer(batch["text"], truncation=True, **options),
                                        batched=True, remove_columns=["text"], keep_in_memory=True)

    def collator(self):
        from transformers import DataCollatorWithPadding

        return DataCollatorWithPadding(self.tokenizer)


def loader(dataset, batch_size: int, collator, device: str):
    """Batches in dataset order, pinned on CUDA as the Trainer's default does."""
    from torch.utils.data import DataLoader

    return DataLoader(dataset, batch_size=batch_size, shuffle=False, collate_fn=collator, pin_memory=device == "cuda")


def plain_loop(model, dataset, collator, batch_size: int, lr: float, device: str, steps: int = None) -> float:
    """Train as the course's "without the Trainer" loop does; return the seconds it took.

    Optimizer, schedule and clipping are the Trainer's defaults (fused AdamW without weight decay,
    linear decay without warm-up, gradients clipped to norm 1), so only the loop itself differs.
    `steps` defaults to one epoch.
    """
    import torch
    from transformers import get_scheduler

    started = time.perf_counter()
    batches = loader(dataset, batch_size, collator, device)
    steps = steps or math.ceil(len(dataset) / batch_size)
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=lr, weight_decay=0.0,
                                  fused=True)
    scheduler = get_scheduler("linear", optimizer, num_warmup_steps=0, num_training_steps=steps)
    model.train()
    done = 0
    while done < steps:
        for batch in batches:
            loss = model(**{k: v.to(device) for k, v in batch.items()}).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad()
            done += 1
            if done == steps:
                break
    if device == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter() - started


def accuracy(model, dataset, collator, device: str) -> float:
    """The course's accuracy (`ftcourse.shared.scoring.accuracy`) of `model` on a tokenized dataset."""
    import torch

    from ftcourse.shared.scoring import accuracy as share_right

    model.eval()
    predicted, labels = [], []
    with torch.no_grad():
        for batch in loader(dataset, 64, collator, device):
            labels += batch.pop("labels").tolist()
            predicted += model(**{k: v.to(device) for k, v in batch.items()}).logits.argmax(-1).tolist()
    return share_right(predicted, labels)


def alternate(sides: dict, repeats: int) -> dict:
    """Run each side `repeats` times, swapping the order every round so that neither side always
    pays for a cold start or profits from a warm cache; return each side's list of results."""
    results = {name: [] for name in sides}
    names = list(sides)
    for round_ in range(repeats):
        for name in names if round_ % 2 == 0 else reversed(names):
            results[name].append(sides[name]())
    return results
