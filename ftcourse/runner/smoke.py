"""The smoke fine-tune: one real Trainer run of the encoder on the sentiment data.

It proves on any machine that the whole stack works offline (local model and data, batched
tokenization, dynamic padding, the course's accuracy metric) and reports the time and the test
accuracy that the active profile reaches.
"""
import time
from pathlib import Path

import numpy as np

from ..shared.data import LABELS, load_sentiment
from ..student.setup import prepare


RECIPES = ("profile", "shared", "chapter3")


def fine_tune(profile_name=None, output_dir="runs/smoke", log=print, limit=None, lora=False,
              recipe="profile", seed=None, train_examples=None, learning_rate=None, held_out=False,
              grouped=None) -> dict:
    """Fine-tune, evaluate on the test split and save; return the figures worth reporting.

    Recipes: `"profile"` is the lessons' own run: without `lora`, lesson 01's full fine-tune
    (`full_train_size` reviews for `full_epochs` in batches of reviews of similar length, evaluating and
    saving each epoch and keeping the best checkpoint by validation accuracy); with `lora=True`, the
    LoRA fine-tune of lessons 03 and 04 (r=8 on the attention's query and value projections, named for
    the profile's architecture, `train_size` reviews for `epochs` at `lora_learning_rate`). `"shared"` is
    lesson 04's full fine-tune, on the sizes lessons 02-04 share. `"chapter3"` trains as chapter 3 of the
    Hugging Face course does (`TrainingArguments`' defaults: learning rate 5e-5, batch 8, 3 epochs, no
    warm-up, no weight decay, random batches; truncation only at the model's maximum length) on the
    shared sizes, for comparison.

    `limit` keeps only the first rows of each split (a tiny run that proves a profile's model and code
    path on any machine, e.g. the gpu profile's on a CPU). `seed`, `train_examples` (the first rows of
    the recipe's training reviews), `learning_rate` and `grouped` (batches of similar length, or in
    random order) override the recipe's, for measuring how far a pass mark sits from the runs and what
    a choice buys (`benchmarks.sentiment_margins`). `held_out=True` also scores the saved model the way
    the graders do: accuracy on the held-out grading reviews (`data.grading_split`).
    """
    if recipe not in RECIPES:
        raise ValueError(f"unknown recipe {recipe!r}: use one of {', '.join(RECIPES)}")
    import evaluate
    from transformers import (
        AutoModelForSequenceClassification,
        AutoTokenizer,
        DataCollatorWithPadding,
        Trainer,
        TrainingArguments,
        set_seed,
    )

    course = prepare(profile_name)
    profile = course.profile
    seed = profile.seed if seed is None else seed
    log(course.summary())
    headline = recipe == "profile" and not lora  # lesson 01's full fine-tune
    epochs = profile.full_epochs if headline else profile.epochs
    grouped = headline if grouped is None else grouped  # as exercise 5 of lesson 01 sets it
    data = load_sentiment(profile, full=headline)
    if train_examples is not None:
        data["train"] = data["train"].select(range(min(train_examples, len(data["train"]))))
    if limit:
        from datasets import DatasetDict

        data = DatasetDict({split: rows.select(range(min(limit, len(rows)))) for split, rows in data.items()})
    tokenizer = AutoTokenizer.from_pretrained(course.model_dir)
    set_seed(seed)  # the new head's initial weights, as in a lesson
    model = AutoModelForSequenceClassification.from_pretrained(
        course.model_dir, num_labels=len(LABELS),
        id2label=dict(enumerate(LABELS)), label2id={name: i for i, name in enumerate(LABELS)},
    )
    if lora:
        from peft import LoraConfig, TaskType, get_peft_model

        from ..shared.encoders import layout

        model = get_peft_model(model, LoraConfig(task_type=TaskType.SEQ_CLS, r=8, lora_alpha=16, lora_dropout=0.1,
                                                 target_modules=list(layout(model).query_value)))
    max_length = None if recipe == "chapter3" else profile.max_length  # None: the model's own maximum
    tokenized = data.map(lambda batch: tokenizer(batch["text"], truncation=True, max_length=max_length),
                         batched=True, remove_columns=["text"])
    accuracy = evaluate.load("accuracy")

    def compute_metrics(prediction):
        return accuracy.compute(predictions=np.argmax(prediction.predictions, axis=-1),
                                references=prediction.label_ids)

    out = Path(output_dir) / profile.name
    common = dict(output_dir=str(out / "checkpoints"), eval_strategy="epoch", save_strategy="no", report_to="none",
                  per_device_eval_batch_size=profile.eval_batch_size, logging_steps=10, seed=seed,
                  bf16=course.precision == "bf16", fp16=course.precision == "fp16", disable_tqdm=True)
    if headline:  # as exercise 5 of lesson 01 sets it: keep the best epoch's checkpoint
        common.update(save_strategy="epoch", load_best_model_at_end=True, metric_for_best_model="accuracy",
                      save_only_model=True, save_total_limit=2)
    if recipe == "chapter3":
        args = TrainingArguments(**common)  # everything else at the defaults that chapter 3 relies on
    else:
        rate = profile.lora_learning_rate if lora else profile.learning_rate
        args = TrainingArguments(
            num_train_epochs=epochs, warmup_steps=0.1, learning_rate=rate if learning_rate is None else learning_rate,
            weight_decay=0.01, per_device_train_batch_size=profile.train_batch_size,
            train_sampling_strategy="group_by_length" if grouped else "random", **common)
    trainer = Trainer(model=model, args=args, train_dataset=tokenized["train"],
                      eval_dataset=tokenized["validation"], processing_class=tokenizer,
                      data_collator=DataCollatorWithPadding(tokenizer), compute_metrics=compute_metrics)
    started = time.perf_counter()
    trainer.train()
    train_seconds = time.perf_counter() - started
    test = trainer.evaluate(tokenized["test"], metric_key_prefix="test")
    trainer.save_model(str(out / "model"))
    result = {"profile": profile.name, "recipe": recipe, "model": Path(course.model_dir).name,
              "precision": course.precision, "lora": lora, "seed": seed, "threads": course.threads,
              "epochs": args.num_train_epochs, "batch_size": args.per_device_train_batch_size,
              "batches": "grouped by length" if grouped else "in random order",
              "learning_rate": args.learning_rate, "train_examples": len(tokenized["train"]),
              "test_examples": len(tokenized["test"]), "train_seconds": round(train_seconds, 1),
              "test_accuracy": round(test["test_accuracy"], 4), "model_dir": str((out / "model").resolve())}
    if held_out:
        from ..shared import scoring
        from ..shared.data import grading_split

        grading = grading_split()
        found = scoring.predict(trainer.model, tokenizer, list(grading["text"]), max_length=profile.max_length)
        result["held_out_accuracy"] = round(scoring.accuracy(found, grading["label"]), 4)
    return result
