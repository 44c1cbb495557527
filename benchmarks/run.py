"""`make bench`: plan the time, run the chosen items, write the table.

The full run must fit 20 minutes on 2 CPU cores, so every size is an argument whose default was
chosen against the budget printed before the run starts; `--quick` shrinks every item to seconds
(for tests and development) and the table says so.
"""
import argparse
import math
import shlex
import sys
import time
from pathlib import Path

from . import items, lora
from .machine import describe, slug
from .table import Row, not_measured, write

ROOT = Path(__file__).resolve().parents[1]
ITEMS = {"trainer": (1, "Trainer vs plain PyTorch loop"), "padding": (2, "dynamic vs max_length padding"),
         "map": (3, "batched vs one-at-a-time .map() tokenization"), "lora": (4, "LoRA vs full fine-tuning"),
         "notebooks": (5, "lesson run time (solved, as make course runs it)"), "smoke": (6, "cpu-profile sentiment fine-tune vs chapter 3's recipe")}
SLOW = ("notebooks", "smoke")  # minutes whatever the sizes: not run by --quick
SIZES = {  # option: (full run, --quick, what it sets)
    "repeats": (3, 2, "runs of each side of a comparison"),
    "steps": (30, 3, "item 1: training steps per run"),
    "batch_size": (16, 8, "items 1, 2, 4: examples per training step"),
    "max_length": (64, 64, "items 1, 3, 4: truncation length (the cpu profile's)"),
    "learning_rate": (5e-5, 5e-5, "items 1, 4: learning rate"),
    "pad_train": (128, 16, "item 2: training examples (one epoch)"),
    "pad_validation": (256, 32, "item 2: validation examples for the accuracy"),
    "pad_length": (512, 128, "item 2: the length that padding='max_length' pads to"),
    "pad_learning_rate": (2e-4, 2e-4, "item 2: learning rate (high, so that one short epoch learns)"),
    "map_examples": (10000, 200, "item 3: texts to tokenize"),
    "lora_steps": (10, 3, "item 4: timed steps per process"),
}

# Seconds on the reference machine (2 shared AMD EPYC cores, torch 2.13 CPU), from quick runs.
STEP_S = 0.55  # one full fine-tuning step of 16 examples, dynamic padding (max 64 tokens)
STEP_512_S = 8.5  # the same step with every example padded to 512 tokens
EVAL_S = 0.4  # a forward pass over 64 examples, dynamic padding
SMOKE_STEP_S = 0.23  # item 6, A: a step of 16 reviews grouped by length, cut at 64 tokens (638 steps in 136-148 s)
CHAPTER3_STEP_S = 0.19  # item 6, B: a step of 8 full-length reviews (measured: 750 steps in 141-146 s)
MAP_S = 0.0005  # tokenizing one text, both ways of .map() together
PROCESS_S = 8  # a new Python process importing torch, transformers and peft, loading the model
LESSON_S = {"ci": 60, "cpu": 240}  # per lesson: ci measured (9-106 s, 5 lessons); cpu a guess (4x the data)
LIMIT_S = 20 * 60


def budget(args) -> dict:
    """Estimated seconds per item on the reference machine, from the sizes."""
    from ftcourse.shared.catalogue import names as lessons
    from ftcourse.shared.data import sentiment_stats
    from ftcourse.shared.profiles import PROFILES

    step = STEP_S * args.batch_size / 16
    padded_step = max(step, STEP_512_S * args.batch_size / 16 * args.pad_length / 512)
    smoke = PROFILES[args.smoke_profile]
    reviews = smoke.full_train_size or sentiment_stats()["train"]["rows"]  # None: the whole split
    smoke_steps = smoke.full_epochs * math.ceil(reviews / smoke.train_batch_size)
    smoke_eval = (smoke.full_epochs * smoke.validation_size + smoke.test_size) / 64 * EVAL_S
    chapter3_steps = 3 * math.ceil(smoke.train_size / 8)  # chapter 3's recipe: batch 8, 3 epochs
    chapter3_eval = (3 * smoke.validation_size + smoke.test_size) / 64 * EVAL_S
    lesson_count = len(args.lessons or lessons())
    return {
        "trainer": 2 * args.repeats * args.steps * step + 5,
        "padding": args.repeats * (math.ceil(args.pad_train / args.batch_size) * (step + padded_step)
                                   + 2 * args.pad_validation / 64 * EVAL_S) + 3,
        "map": args.repeats * (args.map_examples * MAP_S + 0.4) + 2,
        "lora": 2 * args.repeats * (PROCESS_S + (args.lora_steps + 1) * step),
        "notebooks": 0 if args.quick else lesson_count * (LESSON_S["ci"] + args.cpu_notebooks * LESSON_S["cpu"]),
        "smoke": 0 if args.quick else (smoke_steps * SMOKE_STEP_S * smoke.train_batch_size / 16 + smoke_eval + 15
                                       + chapter3_steps * CHAPTER3_STEP_S + chapter3_eval + 15),
    }


def parse(argv):
    cli = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n")[0])
    cli.add_argument("--quick", action="store_true", help="every item in seconds (figures mean nothing)")
    cli.add_argument("--only", nargs="+", choices=ITEMS, help="run only these items")
    cli.add_argument("--plan", action="store_true", help="print the time budget and stop")
    cli.add_argument("--cpu-notebooks", action="store_true", help="item 5: also run the notebooks in the cpu profile")
    cli.add_argument("--lessons", nargs="+", help="item 5: only these lessons")
    cli.add_argument("--smoke-profile", default="cpu", help="item 6: profile of the smoke run (targets: cpu)")
    cli.add_argument("--output", type=Path, default=ROOT / "benchmarks" / "results", help="folder for the table")
    for name, (full, quick, what) in SIZES.items():
        cli.add_argument("--" + name.replace("_", "-"), type=type(full),
                         help=f"{what} (default {full}, with --quick {quick})")
    args = cli.parse_args(argv)
    for name, (full, quick, _) in SIZES.items():
        if getattr(args, name) is None:
            setattr(args, name, quick if args.quick else full)
    return args


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse(argv)
    chosen = args.only or list(ITEMS)
    plan = {name: seconds for name, seconds in budget(args).items() if name in chosen}
    print("budget (estimated seconds on 2 reference CPU cores):")
    for name, seconds in plan.items():
        print(f"  {ITEMS[name][0]} {name:<10} {seconds:6.0f} s")
    total = sum(plan.values())
    print(f"  total        {total:6.0f} s ({total / 60:.1f} min; the full run must fit {LIMIT_S // 60} min)")
    if total > LIMIT_S:
        print("  warning: over budget: shrink sizes (see --help) or run fewer items (--only, --lessons)")
    if args.plan:
        return 0

    from .workload import Workload

    work = Workload()
    machine = describe()
    scratch = ROOT / "runs" / "bench"
    run_item = {"trainer": lambda: items.trainer_vs_loop(work, args), "padding": lambda: items.padding(work, args),
                "map": lambda: items.batched_map(work, args), "lora": lambda: lora.lora_vs_full(args, work.device),
                "notebooks": lambda: items.notebooks(args, scratch / "lessons"),
                "smoke": lambda: items.smoke(args, scratch / "smoke")}
    rows, spent, failed = [], {}, False
    for name in chosen:
        number, title = ITEMS[name]
        if args.quick and name in SLOW:
            rows.append(not_measured(number, title, "quick run: this item takes minutes whatever the sizes"))
            continue
        print(f"{number} {name} ...", flush=True)
        started = time.perf_counter()
        try:
            rows += run_item[name]()
        except Exception as err:  # one broken item must not cost the others' results
            failed = True
            rows.append(Row(number, title, "-", "FAILED", met=False, notes=f"{type(err).__name__}: {err}"[:300]))
        spent[name] = time.perf_counter() - started
        print(f"  {spent[name]:.0f} s (budget {plan[name]:.0f} s)", flush=True)
    run = {"quick": args.quick, "items": chosen, "repeats": args.repeats,
           "command": shlex.join(["python", "-m", "benchmarks", *argv]),
           "sizes": {name: getattr(args, name) for name in SIZES if name != "repeats"},
           "budget": plan, "spent": spent}
    name = slug(machine) + ("-quick" if args.quick else "") + ("-partial" if args.only else "")
    path = write(rows, machine, run, args.output, name)
    print(f"table: {path} (and .json)")
    return 1 if failed else 0
