"""Helpers of lesson 04 (evaluation): tag tables and the metric names the lesson can load offline.

The checks its tests call (`expect_close`, `expect_keys`) are the course's shared ones
(`ftcourse.student.checks`): a failure says what was expected and what was found, and describes an
expected value instead of printing it when that value is the answer.
"""

from ...student.checks import expect_close, expect_keys, is_number  # noqa: F401 - the lesson's tests use them

# The metric modules that `evaluate.load` finds offline in this course (see ftcourse/shared/metrics).
METRIC_NAMES = ("accuracy", "precision", "recall", "f1", "bleu", "sacrebleu", "rouge", "squad", "seqeval")


def show_tags(tokens, *columns, names=("gold", "predicted")) -> None:
    """Print tokens with one or more tag columns side by side; rows where the tags differ get a '<'."""
    width = max(len(t) for t in tokens)
    widths = [max([len(n)] + [len(tag) for tag in col]) for n, col in zip(names, columns)]
    print(f"{'token':<{width}}  " + "  ".join(f"{n:<{w}}" for n, w in zip(names, widths)))
    for i, token in enumerate(tokens):
        tags = [col[i] for col in columns]
        mark = "  <" if len(set(tags)) > 1 else ""
        print(f"{token:<{width}}  " + "  ".join(f"{t:<{w}}" for t, w in zip(tags, widths)) + mark)


