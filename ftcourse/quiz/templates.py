"""Fresh numbers: numeric questions drawn anew on every attempt, each from a template with a solver.

A bank question names its template (`template: split_size`); its prompt and explanation say
`{{name}}` (or `{{name:,}}`, a format spec) wherever a drawn or computed value goes, and its
`mistakes` explain, by name, the wrong numbers that the template computes for common slips. Here
each template draws its inputs from a random generator, solves them (the answer and the values the
texts show), and computes each named mistake. `tests/test_quiz_templates.py` checks every solver, and
the mistakes that the library can compute too, against the pinned libraries on many draws.

Draws avoid inputs where a float computed by the library would round differently from the exact
number a student works out (for example `ceil(0.07 * 100)` is 8 in floating point): there the
student would be marked wrong for being right.
"""
import math
import random
from collections import Counter
from dataclasses import dataclass
from fractions import Fraction
from typing import Callable

from ..shared.errors import CourseError


@dataclass(frozen=True)
class Template:
    name: str
    tolerance: float  # how far an answer may be from the solver's and still be right
    draw: Callable  # random.Random -> inputs (dict)
    solve: Callable  # inputs -> values (dict) for the texts, with the right number as "answer"
    mistakes: dict  # mistake name -> (values -> the number that slip gives)


def _exact_ceil_differs(value: Fraction) -> bool:
    return value.denominator != 1


def _fraction(text: str) -> Fraction:
    return Fraction(text)


# --- lesson 01: the Trainer -------------------------------------------------------------------------------

def _padding_draw(rng):
    return {"lengths": rng.sample(range(6, 61), rng.randint(3, 6))}


def _padding_solve(x):
    lengths = x["lengths"]
    longest, total = max(lengths), sum(lengths)
    return {**x, "count": len(lengths), "lengths_text": ", ".join(map(str, lengths[:-1])) + f" and {lengths[-1]}",
            "longest": longest, "real": total, "padded": longest * len(lengths),
            "answer": longest * len(lengths) - total}


PADDING = Template("padding_tokens", 0, _padding_draw, _padding_solve, {
    "to_512": lambda v: 512 * v["count"] - v["real"],
    "padded_size": lambda v: v["padded"],
})


def _steps_draw(rng, accumulate: bool):
    while True:
        batch = rng.choice((8, 32, 64))
        examples = rng.randint(800, 6000)
        accumulation = rng.choice((2, 4, 8)) if accumulate else 1
        batches = math.ceil(examples / batch)
        if examples % batch and (accumulation == 1 or batches % accumulation):  # both roundings matter
            return {"examples": examples, "batch": batch, "accumulation": accumulation,
                    "epochs": rng.choice((2, 3, 4)), "fraction": rng.choice(("0.05", "0.1", "0.2"))}


def _steps_solve(x):
    batches = math.ceil(x["examples"] / x["batch"])
    per_epoch = math.ceil(batches / x["accumulation"])
    return {**x, "batches": batches, "per_epoch": per_epoch, "answer": x["epochs"] * per_epoch,
            "effective": x["batch"] * x["accumulation"]}


def _warmup_draw(rng):
    while True:
        x = _steps_draw(rng, accumulate=False)
        steps = _steps_solve(x)["answer"]
        if _exact_ceil_differs(steps * _fraction(x["fraction"])):
            return x


def _warmup_solve(x):
    steps = _steps_solve(x)
    exact = steps["answer"] * _fraction(x["fraction"])
    return {**steps, "steps": steps["answer"], "exact": f"{float(exact):g}", "answer": math.ceil(exact)}


WARMUP = Template("warmup_steps", 0, _warmup_draw, _warmup_solve, {
    "floor": lambda v: math.floor(v["steps"] * _fraction(v["fraction"])),
    "one_epoch": lambda v: math.ceil(v["batches"] * _fraction(v["fraction"])),
    "dropped_last": lambda v: math.ceil(v["epochs"] * (v["examples"] // v["batch"]) * _fraction(v["fraction"])),
})


def _total_draw(rng):
    while True:
        x = _steps_draw(rng, accumulate=True)
        if x["examples"] // (x["batch"] * x["accumulation"]) * x["epochs"] != _steps_solve(x)["answer"]:
            return x


TOTAL_STEPS = Template("total_steps", 0, _total_draw, _steps_solve, {
    "no_accumulation": lambda v: v["epochs"] * v["batches"],
    "floor": lambda v: v["epochs"] * (v["examples"] // v["effective"]),
    "one_epoch": lambda v: v["per_epoch"],
})


def _logits_draw(rng):
    while True:
        rows = rng.randint(4, 6)
        logits = [[rng.randint(-20, 20) / 10, rng.randint(-20, 20) / 10] for _ in range(rows)]
        labels = [rng.randint(0, 1) for _ in range(rows)]
        argmax = [int(b > a) for a, b in logits]
        if any(a == b for a, b in logits) or argmax == labels:
            continue
        if argmax != [int(b > 0) for _, b in logits]:  # the slip below gives another number
            return {"logits": logits, "labels": labels}


def _logits_solve(x):
    predicted = [int(b > a) for a, b in x["logits"]]
    right = sum(p == y for p, y in zip(predicted, x["labels"]))
    rows = ",\n                   ".join(f"[{a}, {b}]" for a, b in x["logits"])
    return {**x, "logits_text": f"[{rows}]", "labels_text": str(x["labels"]), "predicted": str(predicted),
            "right": right, "rows": len(predicted), "answer": right / len(predicted)}


ACCURACY = Template("accuracy_logits", 0.01, _logits_draw, _logits_solve, {
    "positive_logit": lambda v: sum(int(b > 0) == y for (_, b), y in zip(v["logits"], v["labels"])) / v["rows"],
    "error_rate": lambda v: 1 - v["answer"],
})


# --- lesson 02: datasets ------------------------------------------------------------------------------------

def _split_draw(rng):
    while True:
        rows, test_size = rng.randint(1001, 9999), rng.choice(("0.1", "0.15", "0.2", "0.25", "0.3"))
        if _exact_ceil_differs(rows * _fraction(test_size)):
            return {"rows": rows, "test_size": test_size}


def _split_solve(x):
    exact = x["rows"] * _fraction(x["test_size"])
    test = math.ceil(exact)
    return {**x, "exact": f"{float(exact):,g}", "answer": test, "train": x["rows"] - test}


SPLIT = Template("split_size", 0, _split_draw, _split_solve, {
    "floor": lambda v: math.floor(v["rows"] * _fraction(v["test_size"])),
    "train": lambda v: v["train"],
})


def _calls_draw(rng):
    while True:
        rows, batch_size = rng.randint(1001, 9999), rng.choice((None, 100, 250, 500))
        if rows % (batch_size or 1000):
            return {"rows": rows, "batch_size": batch_size}


def _calls_solve(x):
    size = x["batch_size"] or 1000
    call = "batched=True" + (f", batch_size={size}" if x["batch_size"] else "")
    return {**x, "size": size, "call": call, "answer": math.ceil(x["rows"] / size), "last": x["rows"] % size}


BATCH_CALLS = Template("batch_calls", 0, _calls_draw, _calls_solve, {
    "floor": lambda v: v["rows"] // v["size"],
    "per_row": lambda v: v["rows"],
})


# --- lesson 03: LoRA ------------------------------------------------------------------------------------------

TARGET_SETS = (("query", "value"), ("query", "key", "value"), ("dense",), ("output.dense",))


def encoder_linears(hidden: int, layers: int) -> dict:
    """Name -> (in, out) of every Linear of a BERT sequence classifier's encoder and pooler."""
    found = {}
    for i in range(layers):
        for name in ("attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense"):
            found[f"bert.encoder.layer.{i}.{name}"] = (hidden, hidden)
        found[f"bert.encoder.layer.{i}.intermediate.dense"] = (hidden, 4 * hidden)
        found[f"bert.encoder.layer.{i}.output.dense"] = (4 * hidden, hidden)
    found["bert.pooler.dense"] = (hidden, hidden)
    return found


def suffix_match(name: str, target: str) -> bool:
    """peft's rule for a name in `target_modules`: the module's name is it, or ends with "." + it."""
    return name == target or name.endswith("." + target)


def lora_parameters(hidden, layers, r, targets) -> int:
    return sum(r * (i + o) for name, (i, o) in encoder_linears(hidden, layers).items()
               if any(suffix_match(name, t) for t in targets))


def _lora_draw(rng):
    return {"hidden": rng.choice((256, 512, 768)), "layers": rng.choice((2, 4, 12)), "labels": rng.randint(2, 6),
            "r": rng.choice((4, 8, 16)), "targets": list(rng.choice(TARGET_SETS))}


def _lora_solve(x):
    hidden, layers, r, targets = x["hidden"], x["layers"], x["r"], x["targets"]
    lora = lora_parameters(hidden, layers, r, targets)
    head = hidden * x["labels"] + x["labels"]
    pooler = 2 * r * hidden if any(suffix_match("bert.pooler.dense", t) for t in targets) else 0
    return {**x, "inner": 4 * hidden, "targets_text": repr(targets), "lora": lora, "head": head, "pooler": pooler,
            "per_layer": (lora - pooler) // layers, "answer": lora + head}


LORA_COUNT = Template("lora_count", 0, _lora_draw, _lora_solve, {
    "without_head": lambda v: v["lora"],
    "one_layer": lambda v: v["per_layer"] + v["pooler"] + v["head"],
    "no_pooler": lambda v: v["answer"] - v["pooler"] if v["pooler"] else None,
    "every_dense": lambda v: (lora_parameters(v["hidden"], v["layers"], v["r"], ["dense"]) + v["head"]
                              if v["targets"] == ["output.dense"] else None),
})


def _scaling_draw(rng):
    while True:
        r, alpha = rng.choice((2, 4, 8, 16, 32)), rng.choice((8, 16, 32, 64))
        if r != alpha:
            return {"r": r, "alpha": alpha}


def _scaling_solve(x):
    return {**x, "answer": x["alpha"] / x["r"]}


SCALING = Template("lora_scaling", 0.01, _scaling_draw, _scaling_solve, {
    "inverse": lambda v: v["r"] / v["alpha"],
    "rslora": lambda v: v["alpha"] / math.sqrt(v["r"]),
})


def _rslora_draw(rng):
    return {"r": rng.choice((4, 16, 64)), "alpha": rng.choice((8, 16, 32))}


def _rslora_solve(x):
    return {**x, "root": math.isqrt(x["r"]), "answer": x["alpha"] / math.isqrt(x["r"])}


RSLORA = Template("rslora_scaling", 0.01, _rslora_draw, _rslora_solve, {
    "plain": lambda v: v["alpha"] / v["r"],
})


def _rank_draw(rng):
    before, after = rng.sample((4, 8, 16, 32, 64), 2)
    return {"before": before, "after": after}


def _rank_solve(x):
    return {**x, "answer": x["after"] / x["before"]}


RANK_FACTOR = Template("rank_factor", 0.01, _rank_draw, _rank_solve, {
    "squared": lambda v: (v["after"] / v["before"]) ** 2,
})


# --- lesson 04: metrics ---------------------------------------------------------------------------------------

def _binary_draw(rng):
    while True:
        tp, fp, fn = rng.randint(20, 90), rng.randint(5, 40), rng.randint(5, 40)
        if abs(tp / (tp + fp) - tp / (tp + fn)) > 0.05:
            return {"tp": tp, "fp": fp, "fn": fn}


def _binary_solve(x):
    tp, fp, fn = x["tp"], x["fp"], x["fn"]
    return {**x, "precision": round(tp / (tp + fp), 3), "recall": round(tp / (tp + fn), 3),
            "twice": 2 * tp, "denominator": 2 * tp + fp + fn, "answer": 2 * tp / (2 * tp + fp + fn)}


BINARY_F1 = Template("binary_f1", 0.002, _binary_draw, _binary_solve, {
    "precision": lambda v: v["tp"] / (v["tp"] + v["fp"]),
    "recall": lambda v: v["tp"] / (v["tp"] + v["fn"]),
    "arithmetic_mean": lambda v: (v["tp"] / (v["tp"] + v["fp"]) + v["tp"] / (v["tp"] + v["fn"])) / 2,
})

TOPICS = ("sport", "business", "tech")


def _confusion_draw(rng):
    """A confusion matrix (rows: reference, columns: prediction) of an imbalanced 3-class classifier."""
    while True:
        supports = [rng.randint(60, 120), rng.randint(12, 30), rng.randint(4, 12)]
        matrix = []
        for i, support in enumerate(supports):
            right = round(support * rng.uniform(0.35 if i else 0.8, 0.95 if i else 0.98))
            wrong = support - right
            other = [j for j in range(3) if j != i]
            first = rng.randint(0, wrong)
            row = [0, 0, 0]
            row[i], row[other[0]], row[other[1]] = right, first, wrong - first
            matrix.append(row)
        values = _confusion_solve({"matrix": matrix})
        if min(values["f1"]) > 0 and values["weighted"] - values["answer"] > 0.03:
            return {"matrix": matrix}


def per_class_f1(matrix) -> list:
    found = []
    for i in range(len(matrix)):
        tp = matrix[i][i]
        predicted, actual = sum(row[i] for row in matrix), sum(matrix[i])
        found.append(2 * tp / (predicted + actual) if predicted + actual else 0.0)
    return found


def _confusion_solve(x):
    f1 = [round(f, 2) for f in per_class_f1(x["matrix"])]
    supports = [sum(row) for row in x["matrix"]]
    table = "\n".join(f"| {name} | {f:.2f} | {s} |" for name, f, s in zip(TOPICS, f1, supports))
    weighted = sum(f * s for f, s in zip(f1, supports)) / sum(supports)
    return {**x, "f1": f1, "supports": supports, "table": table, "total": sum(supports),
            "sum": round(sum(f1), 2), "weighted": weighted, "answer": sum(f1) / 3}


MACRO_F1 = Template("macro_f1", 0.005, _confusion_draw, _confusion_solve, {
    "weighted": lambda v: v["weighted"],
})


def _majority_draw(rng):
    while True:
        negative, positive = rng.randint(150, 900), rng.randint(150, 900)
        if abs(negative - positive) > 40:
            return {"negative": negative, "positive": positive}


def _majority_solve(x):
    total = x["negative"] + x["positive"]
    majority = "positive" if x["positive"] > x["negative"] else "negative"
    return {**x, "total": total, "majority": majority, "count": x[majority], "answer": x[majority] / total}


MAJORITY = Template("majority_baseline", 0.002, _majority_draw, _majority_solve, {
    "minority": lambda v: 1 - v["answer"],
})

SENTENCES = ("the model learns quickly from the labelled reviews", "a small adapter changes the frozen encoder",
             "the trainer saves the best checkpoint each epoch", "short summaries miss the main point of a story",
             "the test split stays hidden until the very end")
SWAPS = ("slowly", "large", "tiny", "loads", "keeps", "first", "whole", "data", "article", "open")


def _rouge_draw(rng):
    reference = rng.choice(SENTENCES).split()
    generated = list(reference)
    position = rng.randrange(1, len(reference) - 1)
    if rng.random() < 0.5:
        generated[position] = rng.choice([w for w in SWAPS if w not in reference])
    else:
        del generated[position]
    return {"reference": " ".join(reference), "generated": " ".join(generated)}


def overlap_f(reference: str, generated: str, n: int) -> float:
    """ROUGE-n F-measure as rouge-score computes it: clipped n-gram overlap, harmonic mean of P and R."""
    grams = [Counter(zip(*[words[i:] for i in range(n)])) for words in (reference.split(), generated.split())]
    shared = sum((grams[0] & grams[1]).values())
    if not shared:
        return 0.0
    precision, recall = shared / sum(grams[1].values()), shared / sum(grams[0].values())
    return 2 * precision * recall / (precision + recall)


def _rouge_solve(x):
    ref, gen = x["reference"].split(), x["generated"].split()
    shared = sum((Counter(zip(ref, ref[1:])) & Counter(zip(gen, gen[1:]))).values())
    return {**x, "shared": shared, "ref_bigrams": len(ref) - 1, "gen_bigrams": len(gen) - 1,
            "answer": overlap_f(x["reference"], x["generated"], 2)}


ROUGE2 = Template("rouge2", 0.005, _rouge_draw, _rouge_solve, {
    "rouge1": lambda v: overlap_f(v["reference"], v["generated"], 1),
})

WORDS = ("yesterday", "met", "in", "with", "at", "and", "from", "visited", "then", "spoke")
NAMES = {"PER": (["Ada"], ["Alan", "Turing"], ["Grace", "Hopper"]), "LOC": (["Paris"], ["New", "York"], ["Oslo"]),
         "ORG": (["Google"], ["Hugging", "Face"], ["BBC"])}


def entities(tags) -> set:
    """(type, start, end) of each entity in a valid IOB2 sequence."""
    found, start = set(), None
    for i, tag in enumerate(list(tags) + ["O"]):
        if start is not None and not tag.startswith("I-"):
            found.add((tags[start][2:], start, i))
            start = None
        if tag.startswith("B-"):
            start = i
    return found


def _seqeval_draw(rng):
    while True:
        tokens, reference = [], []
        kinds = rng.sample(sorted(NAMES), rng.randint(2, 3))
        for kind in kinds:
            filler = rng.choice(WORDS)
            name = rng.choice(NAMES[kind])
            tokens += [filler, *name]
            reference += ["O", f"B-{kind}"] + [f"I-{kind}"] * (len(name) - 1)
        predicted = list(reference)
        spans = sorted(entities(reference), key=lambda e: e[1])
        for kind, start, end in rng.sample(spans, rng.randint(1, 2)):
            change = rng.choice(("truncate", "type", "miss") if end - start > 1 else ("type", "miss"))
            if change == "truncate":
                predicted[end - 1] = "O"
            elif change == "type":
                other = rng.choice([k for k in NAMES if k != kind])
                predicted[start:end] = [f"B-{other}"] + [f"I-{other}"] * (end - start - 1)
            else:
                predicted[start:end] = ["O"] * (end - start)
        values = _seqeval_solve({"tokens": tokens, "reference": reference, "predicted": predicted})
        if 0 < values["answer"] < 1 and abs(values["token_accuracy"] - values["answer"]) > 0.05:
            return {"tokens": tokens, "reference": reference, "predicted": predicted}


def aligned_lists(rows: dict) -> str:
    """Python lists of equal length, one per line, their items aligned in columns."""
    cells = [[repr(item) for item in row] for row in rows.values()]
    widths = [max(len(row[i]) for row in cells) for i in range(len(cells[0]))]
    label = max(map(len, rows))
    lines = []
    for name, row in zip(rows, cells):
        items = [(cell + ",").ljust(width + 2) for cell, width in zip(row[:-1], widths)] + [row[-1]]
        lines.append(f"{name.ljust(label)} = [{''.join(items)}]")
    return "\n".join(lines)


def _seqeval_solve(x):
    ref, pred = entities(x["reference"]), entities(x["predicted"])
    shared = len(ref & pred)
    same = sum(a == b for a, b in zip(x["reference"], x["predicted"]))
    code = aligned_lists({"tokens": x["tokens"], "references": x["reference"], "predictions": x["predicted"]})
    return {**x, "code": code, "ref_count": len(ref), "pred_count": len(pred), "shared": shared,
            "same": same, "length": len(x["reference"]), "token_accuracy": same / len(x["reference"]),
            "answer": 2 * shared / (len(ref) + len(pred))}


SEQEVAL = Template("seqeval_f1", 0.005, _seqeval_draw, _seqeval_solve, {
    "token_accuracy": lambda v: v["token_accuracy"],
})

# --- lesson 05: a Llama-style causal LM ---------------------------------------------------------------------

LLAMA_TARGET_SETS = (("q_proj", "v_proj"), ("k_proj", "v_proj"), ("q_proj", "k_proj", "v_proj"),
                     ("q_proj", "k_proj", "v_proj", "o_proj"),
                     ("q_proj", "v_proj", "gate_proj", "up_proj", "down_proj"))


def decoder_linears(hidden: int, heads: int, kv_heads: int, head_dim: int, inner: int) -> dict:
    """Name -> (in, out) of the Linears of one decoder layer of a Llama-style model (grouped-query attention:
    k_proj and v_proj write `kv_heads` heads, q_proj `heads`)."""
    queries, keys = heads * head_dim, kv_heads * head_dim
    return {"q_proj": (hidden, queries), "k_proj": (hidden, keys), "v_proj": (hidden, keys),
            "o_proj": (queries, hidden), "gate_proj": (hidden, inner), "up_proj": (hidden, inner),
            "down_proj": (inner, hidden)}


def decoder_lora_parameters(v: dict, kv_heads=None) -> int:
    """LoRA parameters of `v`'s model and targets (with `kv_heads` key/value heads, if given, instead of its own)."""
    shapes = decoder_linears(v["hidden"], v["heads"], v["kv_heads"] if kv_heads is None else kv_heads, v["head_dim"],
                             v["inner"])
    return v["layers"] * sum(v["r"] * sum(shapes[t]) for t in v["targets"])


def _decoder_draw(rng):
    head_dim, heads = rng.choice((64, 128)), rng.choice((8, 12, 16, 24, 32))
    hidden = heads * head_dim
    kv_heads = rng.choice([k for k in (1, 2, 4, 8) if heads % k == 0 and k < heads])  # grouped: fewer than heads
    return {"hidden": hidden, "heads": heads, "kv_heads": kv_heads, "head_dim": head_dim,
            "inner": rng.choice((2, 3)) * hidden + rng.choice((0, 256, 512)), "layers": rng.choice((16, 22, 24, 28)), "r": rng.choice((4, 8, 16, 32)),
            "targets": list(rng.choice(LLAMA_TARGET_SETS))}


def _decoder_solve(x):
    shapes = decoder_linears(x["hidden"], x["heads"], x["kv_heads"], x["head_dim"], x["inner"])
    per_layer = sum(x["r"] * sum(shapes[t]) for t in x["targets"])
    return {**x, "targets_text": repr(x["targets"]), "queries": x["heads"] * x["head_dim"],
            "keys": x["kv_heads"] * x["head_dim"], "per_layer": per_layer, "answer": x["layers"] * per_layer}


DECODER_LORA_COUNT = Template("decoder_lora_count", 0, _decoder_draw, _decoder_solve, {
    "no_gqa": lambda v: decoder_lora_parameters(v, kv_heads=v["heads"]),
    "one_layer": lambda v: v["per_layer"],
    "full_matrices": lambda v: v["layers"] * sum(i * o for t, (i, o) in decoder_linears(
        v["hidden"], v["heads"], v["kv_heads"], v["head_dim"], v["inner"]).items() if t in v["targets"]),
})


TEMPLATES = {t.name: t for t in (PADDING, WARMUP, TOTAL_STEPS, ACCURACY, SPLIT, BATCH_CALLS, LORA_COUNT, SCALING,
                                 RSLORA, RANK_FACTOR, BINARY_F1, MACRO_F1, MAJORITY, ROUGE2, SEQEVAL,
                                 DECODER_LORA_COUNT)}


def get(name: str) -> Template:
    if name not in TEMPLATES:
        raise CourseError(f"no question template {name!r}: use one of {', '.join(TEMPLATES)}")
    return TEMPLATES[name]


def draw(name: str, rng: random.Random) -> dict:
    """Fresh inputs and what follows from them: the values a question's texts may show, "answer" among them."""
    template = get(name)
    return template.solve(template.draw(rng))
