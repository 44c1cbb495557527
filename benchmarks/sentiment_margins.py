"""`python -m benchmarks.sentiment_margins`: where the sentiment fine-tunes' pass marks come from.

Trains each graded sentiment fine-tune of the course with its profile's recipe
(`ftcourse.runner.smoke.fine_tune`: lesson 01's full fine-tune, the LoRA fine-tune of lessons 03 and
04, and lesson 04's full fine-tune on the shared sizes) with several seeds and torch thread counts,
as graders run them, and scores each saved model the way the hidden tests do: accuracy on the
held-out grading reviews, against the profile's pass mark and against the untrained model and the
majority class plus the lesson's margin. Controls (16 training reviews; a learning rate 100 times
too small) must fail. A comparison run trains lesson 01's recipe with its batches in random order
instead of grouped by length, to show what the grouping buys in time and accuracy. Writes
results/<machine>-sentiment-margins-<profile>.md and .json, the .json after every run, so that a long
measurement keeps what it has.

    python -m benchmarks.sentiment_margins --profile ci --threads 2 1 --seeds 0 1 2 3 4 --controls
    python -m benchmarks.sentiment_margins --profile cpu --threads 2 1 --seeds 0 1 2 3 4 \
        --one-thread-seeds 0 --controls --compare-random-batches
"""
import argparse
import json
import os
import statistics
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .machine import describe, header, slug

ROOT = Path(__file__).resolve().parents[1]
CONTROL_EXAMPLES = 16
CONTROL_RATE_DIVISOR = 100
RANDOM_BATCHES = "batches in random order"  # the comparison: lesson 01's recipe without grouping by length


@dataclass(frozen=True)
class Recipe:
    key: str  # --recipes name
    title: str  # what the table calls it
    smoke_recipe: str  # fine_tune(recipe=...)
    lora: bool
    graded: bool  # a hidden test holds it to the profile's mark and margin


RECIPES = (
    Recipe("lesson01", "lesson 01: full fine-tune (exercise 6)", "profile", False, True),
    Recipe("lora", "lessons 03 and 04: LoRA r=8 (lesson 03 exercise 4)", "profile", True, True),
    Recipe("lesson04", "lesson 04: full fine-tune on the shared sizes (not graded)", "shared", False, False),
)


def margin(recipe: Recipe) -> float:
    """How far the recipe's hidden test wants it above the untrained model and the majority class."""
    from ftcourse.lessons.lora_peft import checks as lora_checks
    from ftcourse.lessons.trainer_api import checks as trainer_checks

    return lora_checks.ACCURACY_MARGIN if recipe.lora else trainer_checks.MARGIN


def mark(profile, recipe: Recipe):
    """The accuracy on held-out reviews that the recipe's hidden test asks for in `profile` (None for a
    recipe no test grades: it must only learn, beating the untrained model and the majority class)."""
    if not recipe.graded:
        return None
    return profile.min_lora_accuracy if recipe.lora else profile.min_accuracy


def passes(run: dict, result: dict) -> bool:
    recipe = next(r for r in RECIPES if r.key == run["recipe"])
    floor = max(result["baseline"]["untrained"], result["baseline"]["majority"]) + result["margins"][recipe.key]
    return run["held_out_accuracy"] >= max(result["marks"][recipe.key] or 0.0, floor)


def baseline(course) -> dict:
    from ftcourse.lessons.trainer_api import checks as trainer_checks
    from ftcourse.shared.data import grading_split

    grading = grading_split()
    return {"examples": len(grading), "untrained": round(trainer_checks.untrained_accuracy(course, grading), 4),
            "majority": round(trainer_checks.majority_share(grading), 4)}


def summary(runs: list) -> str:
    values = [r["held_out_accuracy"] for r in runs]
    spread = f", sd {statistics.stdev(values):.3f}" if len(values) > 1 else ""
    return (f"mean {statistics.mean(values):.3f}{spread}, min {min(values):.3f}, max {max(values):.3f} "
            f"({len(values)} runs)")


def markdown(result: dict) -> str:
    base = result["baseline"]
    lines = [header(result["machine"]), "",
             f"# Sentiment fine-tunes: pass marks from measured runs, profile {result['profile']}", "",
             f"Held-out grading reviews: {base['examples']}. Untrained model (new head, profile seed): "
             f"{base['untrained']:.3f}; always the majority class: {base['majority']:.3f}. A run passes when its "
             "held-out accuracy reaches the profile's mark and beats both by the lesson's margin (a recipe "
             "without a mark, which no test grades, must only beat both).", "",
             "| recipe | seed | threads | training reviews | learning rate | training s | test accuracy | "
             "held-out accuracy | passes |", "|---|---|---|---|---|---|---|---|---|"]
    order = [r.key for r in RECIPES]
    for run in sorted(result["runs"], key=lambda r: order.index(r["recipe"])):  # stable: seeds stay in order
        name = run["recipe"] + (f" (control: {run['control']})" if run.get("control") else "") + \
            (f" (comparison: {run['comparison']})" if run.get("comparison") else "")
        lines.append(f"| {name} | {run['seed']} | {run['threads']} | {run['train_examples']} | "
                     f"{run['learning_rate']:g} | {run['train_seconds']:.0f} | {run['test_accuracy']:.3f} | "
                     f"{run['held_out_accuracy']:.3f} | {'yes' if passes(run, result) else 'NO'} |")
    lines += ["", "| recipe | mark | margin | recipe runs (held-out accuracy) | controls |", "|---|---|---|---|---|"]
    for recipe in RECIPES:
        own = [r for r in result["runs"] if r["recipe"] == recipe.key]
        if not own:
            continue
        lessons = recipe_runs(own)
        controls = ", ".join(f"{r['control']} {r['held_out_accuracy']:.3f}" for r in own if r.get("control"))
        own_mark = result["marks"][recipe.key]
        shown = "-" if own_mark is None else f"{own_mark:.2f}"
        lines.append(f"| {recipe.title} | {shown} | {result['margins'][recipe.key]:.2f} | "
                     f"{summary(lessons) if lessons else '-'} | {controls or '-'} |")
    lines += comparison(result["runs"])
    identical = thread_identity(result["runs"])
    if identical:
        lines += ["", "Held-out accuracy of the same seed at 1 and 2 threads: " + "; ".join(identical) + "."]
    return "\n".join(lines) + "\n"


def recipe_runs(runs: list) -> list:
    """The runs of the recipes themselves: no control, no comparison."""
    return [r for r in runs if not r.get("control") and not r.get("comparison")]


def counterpart(other: dict, runs: list):
    """The recipe's own run of the same recipe, seed and threads as `other` (None when there is none)."""
    key = (other["recipe"], other["seed"], other["threads"])
    return next((r for r in recipe_runs(runs) if (r["recipe"], r["seed"], r["threads"]) == key), None)


def comparison(runs: list) -> list:
    """Lines comparing each comparison run with the recipe's run of the same seed and threads."""
    lines = []
    for other in (r for r in runs if r.get("comparison")):
        own = counterpart(other, runs)
        if own:
            lines += ["", f"{other['recipe']}, seed {other['seed']}, {other['threads']} threads, "
                      f"{other['comparison']}: {other['train_seconds']:.0f} s of training, test accuracy "
                      f"{other['test_accuracy']:.3f}, held-out {other['held_out_accuracy']:.3f}; the recipe "
                      f"(batches {own.get('batches', 'grouped by length')}): {own['train_seconds']:.0f} s, "
                      f"{own['test_accuracy']:.3f}, {own['held_out_accuracy']:.3f}."]
    return lines


def thread_identity(runs: list) -> list:
    """For each recipe and seed run at several thread counts: whether the held-out accuracies agree
    (the test split's may still differ by a review: LoRA's sums are not always bit-identical)."""
    said = []
    for recipe in RECIPES:
        own = recipe_runs([r for r in runs if r["recipe"] == recipe.key])
        for seed in sorted({r["seed"] for r in own}):
            values = {r["threads"]: r["held_out_accuracy"] for r in own if r["seed"] == seed}
            if len(values) > 1:
                same = len(set(values.values())) == 1
                said.append(f"{recipe.key} seed {seed}: " + ("identical" if same else
                            ", ".join(f"{t} threads {v:.4f}" for t, v in sorted(values.items()))))
    return said


def plan(args) -> list:
    runs = []
    for recipe in RECIPES:
        if recipe.key not in args.recipes:
            continue
        for threads in args.threads:
            for seed in args.seeds:
                if threads != 1 or args.one_thread_seeds is None or seed in args.one_thread_seeds:
                    runs.append((recipe, seed, threads, None, None))
        fastest = max(args.threads)
        if args.controls:
            runs += [(recipe, args.seeds[0], fastest, f"{CONTROL_EXAMPLES} reviews", None),
                     (recipe, args.seeds[0], fastest, f"learning rate / {CONTROL_RATE_DIVISOR}", None)]
        if args.compare_random_batches and recipe.key == "lesson01":
            runs.append((recipe, args.seeds[0], fastest, None, RANDOM_BATCHES))
    return runs


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="ci")
    parser.add_argument("--recipes", nargs="+", default=[r.key for r in RECIPES], choices=[r.key for r in RECIPES])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--threads", type=int, nargs="+", default=[2, 1])
    parser.add_argument("--one-thread-seeds", type=int, nargs="*",
                        help="run only these seeds at 1 thread (default: every seed at every --threads count)")
    parser.add_argument("--controls", action="store_true",
                        help=f"also train on {CONTROL_EXAMPLES} reviews and at a learning rate "
                             f"{CONTROL_RATE_DIVISOR} times smaller (must fail)")
    parser.add_argument("--compare-random-batches", action="store_true",
                        help="also train lesson 01's recipe once with its batches in random order")
    parser.add_argument("--output", type=Path, default=ROOT / "benchmarks" / "results")
    parser.add_argument("--replace", action="store_true",
                        help="keep the earlier measurement's runs of the recipes not named in --recipes and "
                             "replace only those of the named ones (after a change that touches only them)")
    parser.add_argument("--rewrite", type=Path, metavar="JSON",
                        help="only write the .md of an earlier measurement's .json again")
    args = parser.parse_args(argv)
    if args.rewrite:
        rewrite(args.rewrite)
        print(f"wrote {args.rewrite.with_suffix('.md')}")
        return 0
    os.environ["FTCOURSE_PROFILE"] = args.profile
    from ftcourse.runner.smoke import fine_tune
    from ftcourse.student.setup import prepare

    course = prepare(args.profile)
    machine = describe()
    result = with_todays_marks({"machine": machine, "profile": args.profile, "settings": course.profile.as_dict(),
                                "baseline": baseline(course), "runs": []})
    args.output.mkdir(parents=True, exist_ok=True)
    out = args.output / f"{slug(machine)}-sentiment-margins-{args.profile}"
    if args.replace and out.with_suffix(".json").exists():
        earlier = json.loads(out.with_suffix(".json").read_text())["runs"]
        result["runs"] = [r for r in earlier if r["recipe"] not in args.recipes]
    with tempfile.TemporaryDirectory() as tmp:
        for recipe, seed, threads, control, compared in plan(args):
            os.environ["FTCOURSE_TORCH_THREADS"] = str(threads)
            change = {"grouped": False} if compared == RANDOM_BATCHES else {}
            if control == f"{CONTROL_EXAMPLES} reviews":
                change["train_examples"] = CONTROL_EXAMPLES
            elif control:
                rates = course.profile.lora_learning_rate if recipe.lora else course.profile.learning_rate
                change["learning_rate"] = rates / CONTROL_RATE_DIVISOR
            run = fine_tune(args.profile, output_dir=tmp, log=lambda message: None, lora=recipe.lora,
                            recipe=recipe.smoke_recipe, seed=seed, held_out=True, **change)
            run = {"recipe": recipe.key, "control": control, "comparison": compared,
                   **{k: v for k, v in run.items() if k not in ("model_dir", "recipe")}}
            result["runs"].append(run)
            print(json.dumps(run), flush=True)
            out.with_suffix(".json").write_text(json.dumps(result, indent=1))
    out.with_suffix(".md").write_text(markdown(result))
    print(f"wrote {out}.md")
    return 0


def with_todays_marks(result: dict) -> dict:
    """The measurement judged by the marks and margins in force now (a mark is set after measuring)."""
    from ftcourse.shared.profiles import get

    profile = get(result["profile"])
    return {**result, "marks": {r.key: mark(profile, r) for r in RECIPES},
            "margins": {r.key: margin(r) for r in RECIPES}}


def rewrite(json_path: Path) -> None:
    """Write a measurement's .json and .md again, judged by today's marks and margins."""
    result = with_todays_marks(json.loads(json_path.read_text()))
    json_path.write_text(json.dumps(result, indent=1))
    json_path.with_suffix(".md").write_text(markdown(result))


if __name__ == "__main__":
    sys.exit(main())
