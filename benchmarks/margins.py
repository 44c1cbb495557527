"""`python -m benchmarks.margins`: where lesson 05's pass marks come from.

Trains the lesson's headline fine-tune (its recipe, LoRA r=8 on q_proj and v_proj, Trainer with the
lesson's settings) with several seeds and torch thread counts, as graders run it, and scores each
saved adapter the way the grader does (`checks.adapter_scores` on the held-out articles) against
the base model (`checks.base_scores`). Writes results/<machine>-lesson05-margins.md and .json: one
row per run, and the worst run against the recipe's marks (loss ratio at most `max_loss_ratio`,
ROUGE-L gain at least `min_rouge_gain`).

    python -m benchmarks.margins --profile ci --threads 1 2 --seeds 0 1 2 --controls
    python -m benchmarks.margins --profile cpu --threads 2 1 --seeds 0 1 2 --one-thread-seeds 0 --controls
"""
import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from .machine import describe, header, slug

ROOT = Path(__file__).resolve().parents[1]


def one_run(course, recipe, seed: int, threads: int, folder: Path, learning_rate=None, examples=None) -> dict:
    import torch
    from peft import LoraConfig, TaskType, get_peft_model
    from transformers import AutoModelForCausalLM, DataCollatorForSeq2Seq, Trainer, TrainingArguments, set_seed

    from ftcourse.lessons.instruction_tuning import checks
    from ftcourse.lessons.instruction_tuning.headlines import load_headlines

    torch.set_num_threads(threads)
    tokenizer = checks.course_tokenizer(course)
    train = load_headlines(recipe)["train"]
    train = train.select(range(min(examples or len(train), len(train))))
    encoded = train.map(lambda r: checks.encoding(tokenizer, r["article"], r["headline"]), remove_columns=train.column_names)
    set_seed(seed)
    with checks.quiet():
        model = get_peft_model(AutoModelForCausalLM.from_pretrained(course.chat_model_dir),
                               LoraConfig(task_type=TaskType.CAUSAL_LM, r=8, lora_alpha=16, lora_dropout=0.05,
                                          target_modules=["q_proj", "v_proj"]))
        args = TrainingArguments(output_dir=str(folder / "checkpoints"), num_train_epochs=recipe.epochs,
                                 per_device_train_batch_size=recipe.batch_size,
                                 learning_rate=learning_rate or recipe.learning_rate, lr_scheduler_type="linear",
                                 warmup_steps=0.1, logging_strategy="no", save_strategy="no", report_to=[],
                                 disable_tqdm=True, seed=seed)
        trainer = Trainer(model=model, args=args, train_dataset=encoded,
                          data_collator=DataCollatorForSeq2Seq(tokenizer, label_pad_token_id=-100))
        started = time.perf_counter()
        trainer.train()
        trained = time.perf_counter() - started
        trainer.save_model(str(folder / "adapter"))
    started = time.perf_counter()
    scores = checks.adapter_scores(course, folder / "adapter", checks.grading_rows(recipe))
    return {"seed": seed, "threads": threads, "examples": len(encoded), "learning_rate": args.learning_rate,
            "train_s": round(trained, 1), "score_s": round(time.perf_counter() - started, 1),
            "loss": scores["loss"], "rougeL": scores["rougeL"], "headlines": scores["headlines"][:3]}


def markdown(result: dict) -> str:
    recipe, base, runs = result["recipe"], result["base"], result["runs"]
    lines = [header(result["machine"]), "",
             f"# Lesson 05: pass marks from {len(runs)} runs, profile {result['profile']}", "",
             f"Held-out articles: {recipe['grading_size']}. Base model: loss {base['loss']:.3f}, "
             f"ROUGE-L {base['rougeL']:.3f}. Marks: loss at most {recipe['max_loss_ratio']} x the base "
             f"model's, ROUGE-L at least {recipe['min_rouge_gain']} above it.", "",
             "| seed | threads | examples | learning rate | training s | loss | loss / base | ROUGE-L | gain | passes |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for run in runs:
        ratio, gain = run["loss"] / base["loss"], run["rougeL"] - base["rougeL"]
        passes = ratio <= recipe["max_loss_ratio"] and gain >= recipe["min_rouge_gain"]
        lines.append(f"| {run['seed']} | {run['threads']} | {run['examples']} | {run['learning_rate']:g} | "
                     f"{run['train_s']:.0f} | {run['loss']:.3f} | {ratio:.3f} | {run['rougeL']:.3f} | "
                     f"{gain:+.3f} | {'yes' if passes else 'NO'} |")
    lesson_runs = [r for r in runs if not r.get("control")]
    if lesson_runs:
        worst_ratio = max(r["loss"] / base["loss"] for r in lesson_runs)
        worst_gain = min(r["rougeL"] - base["rougeL"] for r in lesson_runs)
        lines += ["", f"Worst of the lesson's recipe runs: loss / base {worst_ratio:.3f}, "
                      f"ROUGE-L gain {worst_gain:+.3f}."]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="ci")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--one-thread-seeds", type=int, nargs="*",
                        help="run only these seeds at 1 thread (default: every seed at every --threads count); "
                             "the runs are bit-identical across thread counts in ci, so cpu checks one seed")
    parser.add_argument("--controls", action="store_true",
                        help="also train on 16 articles and at a learning rate 100 times smaller (must fail)")
    args = parser.parse_args(argv)
    os.environ.setdefault("FTCOURSE_PROFILE", args.profile)
    from ftcourse.lessons.instruction_tuning import checks
    from ftcourse.lessons.instruction_tuning.headlines import recipe_for
    from ftcourse.student.setup import prepare

    course, recipe = prepare(args.profile), recipe_for(args.profile)
    base = checks.base_scores(course)
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        plan = [(seed, threads, {}) for threads in args.threads for seed in args.seeds
                if threads != 1 or args.one_thread_seeds is None or seed in args.one_thread_seeds]
        if args.controls:
            fastest = max(args.threads)
            plan += [(args.seeds[0], fastest, {"examples": 16}),
                     (args.seeds[0], fastest, {"learning_rate": recipe.learning_rate / 100})]
        for seed, threads, change in plan:
            run = one_run(course, recipe, seed, threads, Path(tmp), **change)
            run["control"] = bool(change)
            runs.append(run)
            print(json.dumps({k: v for k, v in run.items() if k != "headlines"}), flush=True)
    machine = describe()
    result = {"machine": machine, "profile": args.profile, "recipe": recipe.as_dict(),
              "base": {k: base[k] for k in ("loss", "rougeL")}, "runs": runs}
    out = ROOT / "benchmarks" / "results" / f"{slug(machine)}-lesson05-margins-{args.profile}"
    out.with_suffix(".json").write_text(json.dumps(result, indent=1))
    out.with_suffix(".md").write_text(markdown(result))
    print(f"wrote {out}.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
