"""Outcome checks: what a graded result depends on, recomputed outside the student's kernel.

A test cell runs in the same kernel as the student's code, which can redefine any name or module
the test calls. Where an outcome matters (a fine-tune's accuracy, a model's parameter count), the
instructor's source notebook names an outcome check in the test cell's metadata:

    "ftcourse": {"outcome": "sentiment_classifier", "args": {"model_dir": "runs/01_trainer_api/model"}}

After the notebook ran, the grader runs that check in a fresh, sandboxed process on what the
student's code saved, using data no lesson touches (`data.grading_split`). If it fails, the test
cell fails. `python -m ftcourse.instructor.outcomes NAME ARGS_JSON` prints {"passed", "message"}.
"""
import json
import sys

CHECKS = {}


def outcome(fn):
    CHECKS[fn.__name__] = fn
    return fn


@outcome
def sentiment_classifier(model_dir: str) -> tuple:
    """The saved classifier reaches the profile's accuracy on the grading rows."""
    from ..shared.data import grading_split
    from ..shared.profiles import select
    from ..student.checks import quiet, saved_model_accuracy

    profile = select()
    try:
        with quiet():
            accuracy = saved_model_accuracy(model_dir, grading_split(), max_length=profile.max_length)
    except (OSError, ValueError) as err:
        return False, f"no loadable classifier in {model_dir} ({type(err).__name__})"
    passed = accuracy >= profile.min_accuracy
    return passed, (f"the saved model's accuracy on held-out reviews is {accuracy:.3f}; "
                    f"the {profile.name} profile needs at least {profile.min_accuracy}")


@outcome
def lora_adapter(adapter_dir: str) -> tuple:
    """A saved LoRA adapter (lesson 03): only LoRA matrices and the classifier head, a file well below
    the base model's size, and, applied to the pristine base model, the profile's accuracy."""
    from ..shared.data import grading_split
    from ..shared.profiles import select
    from ..student.lora_checks import adapter_accuracy, adapter_problems

    profile = select()
    try:
        problems = adapter_problems(adapter_dir)
        if problems:
            return False, "; ".join(problems)
        accuracy = adapter_accuracy(adapter_dir, grading_split(), max_length=profile.max_length)
    except Exception as err:  # a corrupt or foreign file: report it, never crash the grader
        return False, f"no loadable LoRA adapter in {adapter_dir} ({type(err).__name__})"
    passed = accuracy >= profile.min_accuracy
    return passed, (f"the base model with the saved adapter reaches {accuracy:.3f} on held-out reviews; "
                    f"the {profile.name} profile needs at least {profile.min_accuracy}")


def main(name: str, args_json: str) -> dict:
    if name not in CHECKS:
        return {"passed": False, "message": f"unknown outcome check {name!r}"}
    passed, message = CHECKS[name](**json.loads(args_json))
    return {"passed": bool(passed), "message": message}


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], sys.argv[2])))
