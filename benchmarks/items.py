"""Items 1-3 (in this process: one loaded model serves every run) and 5-6 (lessons and the smoke
fine-tune, which set themselves up). Each item returns rows for the table."""
import os
import tempfile
import time
from pathlib import Path

from .table import Row, median, not_measured
from .workload import accuracy, alternate, plain_loop

NOTEBOOK_LIMITS = {"ci": 150, "cpu": 300}  # seconds: the profiles' "about 2 minutes" and "a few minutes"
SMOKE_ACCURACY, SMOKE_SECONDS = 0.80, 180


def trainer_vs_loop(work, args) -> list:
    """Item 1: what the Trainer costs over the plain loop for the same training."""
    import torch
    from transformers import PrinterCallback, Trainer, TrainingArguments

    data = work.tokenized("train", args.steps * args.batch_size, max_length=args.max_length)
    collator = work.collator()

    def with_trainer(steps=args.steps):
        with tempfile.TemporaryDirectory() as tmp:
            settings = TrainingArguments(
                output_dir=tmp, max_steps=steps, per_device_train_batch_size=args.batch_size,
                learning_rate=args.learning_rate, lr_scheduler_type="linear", warmup_steps=0, weight_decay=0.0,
                max_grad_norm=1.0, optim="adamw_torch_fused", train_sampling_strategy="sequential",
                eval_strategy="no", save_strategy="no", logging_strategy="no", report_to="none", disable_tqdm=True,
                dataloader_num_workers=0, dataloader_pin_memory=work.device == "cuda", seed=work.course.profile.seed)
            trainer = Trainer(model=work.model(), args=settings, train_dataset=data, data_collator=collator)
            trainer.remove_callback(PrinterCallback)  # it prints the final metrics, the loop prints nothing
            started = time.perf_counter()
            trainer.train()
            if work.device == "cuda":
                torch.cuda.synchronize()
            return time.perf_counter() - started

    def with_loop(steps=args.steps):
        return plain_loop(work.model(), data, collator, args.batch_size, args.learning_rate, work.device, steps)

    with_trainer(1), with_loop(1)  # warm-up: one-time costs in this process (lazy imports, first allocations)
    times = alternate({"trainer": with_trainer, "loop": with_loop}, args.repeats)
    trainer, loop = median(times["trainer"]), median(times["loop"])
    return [Row(1, "Trainer vs plain PyTorch loop",
                f"time for {args.steps} steps of {args.batch_size} (max {args.max_length} tokens); "
                "ratio Trainer / loop",
                f"Trainer {trainer:.2f} s", f"loop {loop:.2f} s", trainer / loop, "<= 1.10x", trainer / loop <= 1.10,
                "same weights, batches and order; both fused AdamW, linear schedule, clipping at 1; timed after "
                "one untimed step of each; the Trainer's time includes its set-up inside train() (optimizer, "
                "accelerate's dataloader wrapper, callbacks)",
                {"seconds": times})]


def padding(work, args) -> list:
    """Item 2: dynamic padding against padding every example to `pad_length` tokens."""
    import torch

    length = args.pad_length
    train = {"dynamic": work.tokenized("train", args.pad_train, max_length=length),
             "max_length": work.tokenized("train", args.pad_train, max_length=length, padding="max_length")}
    validation = work.tokenized("validation", args.pad_validation, max_length=length)
    collator = work.collator()
    accuracies = {name: [] for name in train}

    def side(name):
        def run():
            model = work.model()
            for module in model.modules():  # see the note on the accuracy row
                if isinstance(module, torch.nn.Dropout):
                    module.p = 0.0
            seconds = plain_loop(model, train[name], collator, args.batch_size, args.pad_learning_rate, work.device)
            accuracies[name].append(accuracy(model, validation, collator, work.device))
            return seconds
        return run

    times = alternate({name: side(name) for name in train}, args.repeats)
    dynamic, fixed = median(times["dynamic"]), median(times["max_length"])
    acc_dynamic, acc_fixed = median(accuracies["dynamic"]), median(accuracies["max_length"])
    comparison = f"dynamic padding vs padding=\"max_length\" ({length})"
    return [
        Row(2, comparison,
            f"time per epoch ({args.pad_train} examples, batch {args.batch_size}); ratio max_length / dynamic",
            f"dynamic {dynamic:.2f} s", f"max_length {fixed:.2f} s", fixed / dynamic, ">= 5x", fixed / dynamic >= 5,
            "the same examples in the same order from the same weights; plain loop", {"seconds": times}),
        Row(2, comparison, f"validation accuracy after that epoch ({len(validation)} examples)",
            f"dynamic {acc_dynamic:.3f}", f"max_length {acc_fixed:.3f}", None, "difference <= 0.01",
            abs(acc_dynamic - acc_fixed) <= 0.01,
            f"difference {acc_fixed - acc_dynamic:+.3f}; dropout off on both sides, so that they differ only in "
            "padding (with dropout on, the random masks follow the tensor shapes and each side trains as with "
            "another seed); both evaluated with dynamic padding", {"accuracy": accuracies}),
    ]


def batched_map(work, args) -> list:
    """Item 3: `.map(batched=True)` against one example per call, as older tutorials compare them."""
    texts, tokenizer = work.texts("train", args.map_examples), work.tokenizer

    def side(batched):
        def run():
            started = time.perf_counter()
            texts.map(lambda x: tokenizer(x["text"], truncation=True, max_length=args.max_length),
                      batched=batched, keep_in_memory=True)
            return time.perf_counter() - started
        return run

    times = alternate({"batched": side(True), "single": side(False)}, args.repeats)
    batched, single = median(times["batched"]), median(times["single"])
    return [Row(3, "batched vs one-at-a-time .map() tokenization",
                f"time to tokenize {len(texts)} training texts; ratio one-at-a-time / batched",
                f"batched {batched:.3f} s", f"one at a time {single:.3f} s", single / batched,
                ">= 10x (older tutorials' claim)", single / batched >= 10,
                "fast (Rust) tokenizer with TOKENIZERS_PARALLELISM=false (the course's setting), batches of 1,000, "
                "kept in memory (no cache files); each call also hashes the function, as in the lessons",
                {"seconds": times})]


def notebooks(args, out: Path) -> list:
    """Item 5: each lesson as `make course` runs it (the solved student version), in the ci profile
    (cpu on request)."""
    from ftcourse.instructor.answers import solved
    from ftcourse.shared.catalogue import names as lessons
    from ftcourse.runner.lessons import run_lesson
    from ftcourse.shared.profiles import PROFILES

    rows = []
    for profile in ["ci"] + (["cpu"] if args.cpu_notebooks else []):
        limit = NOTEBOOK_LIMITS[profile]
        for lesson in args.lessons or lessons():
            result = run_lesson(lesson, PROFILES[profile], out / profile, notebook=solved(lesson))
            shown = "; ".join(f"{r['name']} {r['value']:.3f}" if isinstance(r["value"], float)
                              else f"{r['name']} {r['value']}" for r in result["results"])
            rows.append(Row(5, "lesson run time (solved, as make course runs it)", f"{lesson}, {profile} profile",
                            f"{result['seconds']:.0f} s",
                            target=f"runs without error in <= {limit} s",
                            met=result["ok"] and result["seconds"] <= limit,
                            notes=shown if result["ok"] else f"FAILED: {result['error']}", data=result))
    if not args.cpu_notebooks:
        rows.append(not_measured(5, "lesson run time (solved, as make course runs it)",
                                 "cpu profile not run: pass --cpu-notebooks (several minutes per lesson)"))
    return rows


def smoke(args, out: Path) -> list:
    """Item 6: lesson 01's fine-tune in the cpu profile: does it reach its accuracy in its time? Beside
    it, the Hugging Face course's chapter 3 recipe (TrainingArguments' defaults: 5e-5, batch 8, 3 epochs)
    on the same data and machine (A: the profile's recipe, B: chapter 3's, on the first reviews of A's
    that lessons 02-04 use, because three full-length epochs of all of A's would not fit the budget)."""
    from ftcourse.runner.smoke import fine_tune
    from ftcourse.shared.profiles import PROFILES

    result = fine_tune(args.smoke_profile, output_dir=str(out / "profile"), log=lambda message: None)
    chapter3 = fine_tune(args.smoke_profile, output_dir=str(out / "chapter3"), log=lambda message: None,
                         recipe="chapter3")
    profile = PROFILES[args.smoke_profile]
    scored = args.smoke_profile == "cpu"  # the targets are the cpu profile's
    cores = len(os.sched_getaffinity(0))
    notes = "" if scored else "targets are for the cpu profile, not scored here"
    comparison = f"sentiment fine-tune, {args.smoke_profile} profile (smoke run) vs chapter 3's recipe"
    recipes = (f"A: {result['train_examples']} reviews x {profile.full_epochs} epoch(s), batch "
               f"{profile.train_batch_size} ({result['batches']}), lr {profile.learning_rate:g}, max {profile.max_length} tokens; B: the "
               f"first {chapter3['train_examples']} of those reviews x {chapter3['epochs']:g} epochs, batch "
               f"{chapter3['batch_size']} ({chapter3['batches']}), lr {chapter3['learning_rate']:g}, full length (the size that fits the "
               "benchmark's 20 minutes)")
    return [
        Row(6, comparison, f"test accuracy ({result['test_examples']} reviews)", f"{result['test_accuracy']:.3f}",
            f"{chapter3['test_accuracy']:.3f}", target=f"A >= {SMOKE_ACCURACY:.2f}",
            met=result["test_accuracy"] >= SMOKE_ACCURACY if scored else None,
            notes="; ".join(filter(None, [notes, recipes])), data={"profile": result, "chapter3": chapter3}),
        Row(6, comparison, "training time (A / B)", f"{result['train_seconds']:.0f} s", f"{chapter3['train_seconds']:.0f} s",
            ratio=result["train_seconds"] / chapter3["train_seconds"],
            target=f"A <= {SMOKE_SECONDS} s on 2 cores", met=result["train_seconds"] <= SMOKE_SECONDS if scored else None,
            notes="; ".join(filter(None, [notes, "includes each run's validation pass after each epoch",
                                          f"this machine has {cores} usable cores" if cores != 2 else ""]))),
    ]
