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


RECIPES = ("profile", "chapter3")


def fine_tune(profile_name=None, output_dir="runs/smoke", log=print, limit=None, lora=False,
              recipe="profile") -> dict:
    """Fine-tune, evaluate on the test split and save; return the figures worth reporting.

    `limit` keeps only the first rows of each split (a tiny run that proves a profile's model and code
    path on any machine, e.g. the gpu profile's on a CPU); `lora=True` trains a LoRA adapter on the
    attention's query and value projections (named for the profile's architecture) instead of every weight.
    `recipe="chapter3"` trains as chapter 3 of the Hugging Face course does (`TrainingArguments`'
    defaults: learning rate 5e-5, batch 8, 3 epochs, no warm-up, no weight decay; truncation only at
    the model's maximum length) on the same data, for comparison with the profile's recipe.
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
    )

    course = prepare(profile_name)
    profile = course.profile
    log(course.summary())
    data = load_sentiment(profile)
    if limit:
        from datasets import DatasetDict

        data = DatasetDict({split: rows.select(range(min(limit, len(rows)))) for split, rows in data.items()})
    tokenizer = AutoTokenizer.from_pretrained(course.model_dir)
    model = AutoModelForSequenceClassification.from_pretrained(
        course.model_dir, num_labels=len(LABELS),
        id2label=dict(enumerate(LABELS)), label2id={name: i for i, name in enumerate(LABELS)},
    )
    if lora:
        from peft import LoraConfig, TaskType, get_peft_model

        from ..shared.encoders import layout

        model = get_peft_model(model, LoraConfig(task_type=TaskType.SEQ_CLS, r=8, lora_alpha=16, lora_dropout=0.1,
                                                 target_modules=list(layout(model).query_value)))
    max_length = profile.max_length if recipe == "profile" else None  # None: the model's own maximum
    tokenized = data.map(lambda batch: tokenizer(batch["text"], truncation=True, max_length=max_length),
                         batched=True, remove_columns=["text"])
    accuracy = evaluate.load("accuracy")

    def compute_metrics(prediction):
        return accuracy.compute(predictions=np.argmax(prediction.predictions, axis=-1),
                                references=prediction.label_ids)

    out = Path(output_dir) / profile.name
    common = dict(output_dir=str(out / "checkpoints"), eval_strategy="epoch", save_strategy="no", report_to="none",
                  per_device_eval_batch_size=profile.eval_batch_size, logging_steps=10, seed=profile.seed,
                  bf16=course.precision == "bf16", fp16=course.precision == "fp16", disable_tqdm=True)
    if recipe == "chapter3":
        args = TrainingArguments(**common)  # everything else at the defaults that chapter 3 relies on
    else:
        args = TrainingArguments(
            num_train_epochs=profile.epochs, warmup_steps=0.1,
            learning_rate=profile.lora_learning_rate if lora else profile.learning_rate,
            weight_decay=0.01, per_device_train_batch_size=profile.train_batch_size, **common)
    trainer = Trainer(model=model, args=args, train_dataset=tokenized["train"],
                      eval_dataset=tokenized["validation"], processing_class=tokenizer,
                      data_collator=DataCollatorWithPadding(tokenizer), compute_metrics=compute_metrics)
    started = time.perf_counter()
    trainer.train()
    train_seconds = time.perf_counter() - started
    test = trainer.evaluate(tokenized["test"], metric_key_prefix="test")
    trainer.save_model(str(out / "model"))
    return {"profile": profile.name, "recipe": recipe, "model": Path(course.model_dir).name,
            "precision": course.precision, "lora": lora, "epochs": args.num_train_epochs,
            "batch_size": args.per_device_train_batch_size, "learning_rate": args.learning_rate, "train_examples": len(tokenized["train"]),
            "test_examples": len(tokenized["test"]), "train_seconds": round(train_seconds, 1),
            "test_accuracy": round(test["test_accuracy"], 4), "model_dir": str((out / "model").resolve())}
