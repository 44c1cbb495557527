"""The sample class: submissions whose right scores are known, for `make grade` and the tests.

Every assignment gets a reference solution, a blank notebook and a partial one, and those with
alternatives written in ALTERNATIVES a correct one written differently. Adversarial students attack the grader, mostly on the cheapest assignment;
each one's expected score follows from the lesson's points and what the attack breaks.
`python -m ftcourse.instructor.sample_class [FOLDER]` writes the notebooks and expected.json.
"""
import json
import sys
from pathlib import Path

import nbformat

from .answers import fill, grade_id, insert_cell, reference_answers
from ..shared.catalogue import ROOT, names as lessons, source_notebook, student_notebook

FOLDER = ROOT / "autograder" / "sample_class"

# Correct answers written differently from the reference; other exercises keep the reference.
ALTERNATIVES = {
    "01_trainer_api": {
        "ex1_answer": (
            "full = load_dataset('csv', data_files=course.data_files, features=sentiment_features())\n"
            "limit = {'train': profile.train_size, 'validation': profile.validation_size, 'test': profile.test_size}\n"
            "from datasets import DatasetDict\n"
            "raw_datasets = DatasetDict({name: split.select(range(min(len(split), limit[name] or len(split))))\n"
            "                            for name, split in full.items()})"),
        "ex4_answer": (
            "scorer = evaluate.combine(['accuracy', 'f1'])\n\n\n"
            "def compute_metrics(eval_pred):\n"
            "    scores = scorer.compute(predictions=eval_pred.predictions.argmax(axis=-1), references=eval_pred.label_ids)\n"
            "    return {name: float(value) for name, value in scores.items()}"),
    },
    "02_custom_datasets": {
        "ex5_answer": (
            "first_of = {}\n"
            "for i, text in enumerate(news_raw['text']):\n"
            "    first_of.setdefault(normalized(text), i)\n"
            "news = news_raw.filter(lambda row, i: first_of[normalized(row['text'])] == i, with_indices=True)"),
        "ex7_answer": (
            "news_ready = news_splits.map(lambda batch: tokenizer(batch['text'], truncation=True,\n"
            "                                                   max_length=course.profile.max_length),\n"
            "                             batched=True, remove_columns=['headline', 'text']).with_format('torch')"),
    },
    "03_lora_peft": {
        "ex1_answer": (
            "lora_config = LoraConfig(r=8, lora_alpha=2 * 8, target_modules={'value', 'query'}, lora_dropout=0.1,\n"
            "                         task_type='SEQ_CLS')"),
        "ex3_answer": (
            "    adapter_matrices = r * sum(rows + columns for rows, columns in adapted_shapes)\n"
            "    return adapter_matrices * num_layers + (hidden_size + 1) * num_labels"),
        "ex5_answer": (
            "import os\n\nreloaded_model = PeftModel.from_pretrained(load_base_model(), str(adapter_dir))\n"
            "reloaded_model = reloaded_model.to(course.device)\n"
            "to_merge = PeftModel.from_pretrained(load_base_model(), os.fspath(adapter_dir))\n"
            "merged_model = to_merge.merge_and_unload()"),
    },
    "04_evaluation": {
        "ex2_answer": (
            "from sklearn.metrics import f1_score as sklearn_f1\n\n"
            "micro_f1, macro_f1, weighted_f1 = (float(sklearn_f1(given_references, given_predictions, average=how))\n"
            "                                   for how in ('micro', 'macro', 'weighted'))"),
        "ex6_answer": (
            "def bootstrap_ci(correct, n_resamples=1000, confidence=0.95, seed=0):\n"
            "    scores = np.array(correct, dtype=float)\n"
            "    rng = np.random.default_rng(seed)\n"
            "    resampled = scores[rng.integers(len(scores), size=(n_resamples, len(scores)))]\n"
            "    tail = 100 * (1 - confidence) / 2\n"
            "    low, high = np.percentile(resampled.mean(axis=1), [tail, 100 - tail])\n"
            "    return low.item(), high.item()"),
        "ex7_answer": (
            "from scipy.stats import binomtest\n\n\n"
            "def mcnemar_test(correct_a, correct_b):\n"
            "    pairs = list(zip(map(bool, correct_a), map(bool, correct_b)))\n"
            "    a_only = pairs.count((True, False))\n"
            "    b_only = pairs.count((False, True))\n"
            "    if a_only + b_only == 0:\n"
            "        return {'a_only': 0, 'b_only': 0, 'p_value': 1.0}\n"
            "    p_value = binomtest(min(a_only, b_only), a_only + b_only, 0.5).pvalue\n"
            "    return {'a_only': a_only, 'b_only': b_only, 'p_value': float(p_value)}"),
    },
    "05_practice_quiz": {  # the same answers in other accepted forms: capitals, indices, floats, order
        "part1_answer": "answers_01 = dict([('01-eval-strategy', 'A'), ('01-processing-class', ' Processing_Class '),\n"
                        "                   ('01-total-steps', 375.0)])",
        "part2_answer": "answers_02 = {'02-loading-scripts': 0, '02-split-size': '2041', '02-stratify-fix': ('b', 'a')}",
    },
}

TARGET = "02_custom_datasets"  # the assignment the attacks use: no training, so they grade fast

SNOOP = """import os, pathlib
found = []
for folder in [pathlib.Path.cwd(), *pathlib.Path.cwd().parents]:
    for name in ("solutions", "autograder/gradebook.db", "tests"):
        if (folder / name).exists():
            found.append(str(folder / name))
print("hidden tests or grades found:", found)
for path in found:
    for notebook in pathlib.Path(path).rglob("*.ipynb") if os.path.isdir(path) else []:
        print(notebook.read_text()[:2000])"""

WRITE_GRADES = """import pathlib, sqlite3
for folder in [pathlib.Path.cwd(), *pathlib.Path.cwd().parents]:
    for db in folder.glob("**/gradebook.db"):
        try:
            con = sqlite3.connect(db)
            con.execute("UPDATE grade SET auto_score = 3000")
            con.commit()
            print("rewrote", db)
        except Exception as err:
            print("could not write", db, err)"""

NETWORK = """import urllib.request
try:
    urllib.request.urlopen("https://pypi.org/simple/", timeout=5)
    print("network reached")
except Exception as err:
    print("no network:", type(err).__name__)"""

REDEFINE = """import builtins
import ftcourse.student.checks as helpers
from ftcourse.student import dataset_checks
helpers.expect = lambda *args, **kwargs: None
for name in dir(dataset_checks):
    if not name.startswith("_") and callable(getattr(dataset_checks, name)):
        setattr(dataset_checks, name, lambda *args, **kwargs: None)
AssertionError = Warning
from datasets import Dataset, DatasetDict
reviews = tokenized_reviews = news_splits = news_ready = DatasetDict()
news_raw = news = Dataset.from_dict({"text": []})
jsonl_path, jsonl_reviews = "x.jsonl", Dataset.from_dict({"text": []})"""



def points(notebook) -> dict:
    """answer grade_id -> points of the test cell that follows it."""
    answers, result = None, {}
    for cell in notebook.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            answers = meta["grade_id"]
        elif meta.get("grade") and answers:
            result[answers] = float(meta["points"])
    return result


def build(folder: Path = FOLDER) -> dict:
    """Write the class under `folder`; return {student: {assignment: expected score}}."""
    expected = {}

    def submit(student, assignment, notebook, score, name=None):
        path = folder / student / (name or f"{assignment}.ipynb")
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(notebook, str):
            path.write_text(notebook)
        else:
            nbformat.write(notebook, str(path))
        expected.setdefault(student, {})[assignment] = score

    for lesson in lessons():
        blank = nbformat.read(str(student_notebook(lesson)), as_version=4)
        reference = reference_answers(nbformat.read(str(source_notebook(lesson)), as_version=4))
        worth = points(blank)
        first_half = list(worth)[: (len(worth) + 1) // 2]
        submit("reference", lesson, fill(blank, reference), sum(worth.values()))
        submit("blank", lesson, blank, 0.0)
        submit("partial", lesson, fill(blank, {k: reference[k] for k in first_half}),
               sum(worth[k] for k in first_half))
        if lesson in ALTERNATIVES:
            submit("alternative", lesson, fill(blank, {**reference, **ALTERNATIVES[lesson]}), sum(worth.values()))

    blank = nbformat.read(str(student_notebook(TARGET)), as_version=4)
    reference = reference_answers(nbformat.read(str(source_notebook(TARGET)), as_version=4))
    worth = points(blank)
    full = fill(blank, reference)
    total = sum(worth.values())
    reviews_chain = worth["ex1_answer"] + worth["ex2_answer"] + worth["ex3_answer"]  # all need `reviews`
    news_chain = worth["ex5_answer"] + worth["ex6_answer"] + worth["ex7_answer"]  # all need `news`

    submit("endless_loop", TARGET, fill(blank, {**reference, "ex1_answer": "while True:\n    pass"}),
           total - reviews_chain)
    submit("kernel_crash", TARGET, fill(blank, {**reference, "ex4_answer": "import os\nos._exit(1)"}),
           reviews_chain)
    submit("exception", TARGET, fill(blank, {**reference, "ex5_answer": "raise ValueError('not done')"}),
           total - news_chain)
    no_tests = nbformat.from_dict(json.loads(nbformat.writes(full)))
    no_tests.cells = [c for c in no_tests.cells if not (c.metadata.get("nbgrader", {}).get("grade")
                                                         and not c.metadata["nbgrader"].get("solution"))]
    submit("deleted_tests", TARGET, no_tests, total)
    edited = nbformat.from_dict(json.loads(nbformat.writes(full)))
    for cell in edited.cells:
        if grade_id(cell) == "ex4_tests":
            cell.source = "pass  # these tests are fine"
        if grade_id(cell) == "ex1_tests":
            cell.metadata["nbgrader"]["points"] = 100
    submit("edited_tests", TARGET, edited, total)
    submit("invalid_json", TARGET, '{"cells": [ this is not a notebook', 0.0)
    submit("wrong_name", TARGET, full, 0.0, name=f"{TARGET}_final.ipynb")
    submit("huge_output", TARGET, insert_cell(full, "print('x' * 30_000_000)"), total)
    submit("snooper", TARGET, insert_cell(full, SNOOP), total)
    submit("grade_writer", TARGET, insert_cell(full, WRITE_GRADES), total)
    submit("network", TARGET, insert_cell(full, NETWORK), total)
    submit("redefiner", TARGET, insert_cell(blank, REDEFINE, before=2), 0.0)

    trainer = "01_trainer_api"
    blank01 = nbformat.read(str(student_notebook(trainer)), as_version=4)
    reference01 = reference_answers(nbformat.read(str(source_notebook(trainer)), as_version=4))
    worth01 = points(blank01)
    # trains on 16 reviews only, then reports a made-up test accuracy
    barely = reference01["ex6_answer"].replace('train_dataset=tokenized["train"],',
                                               'train_dataset=tokenized["train"].select(range(16)),')
    assert barely != reference01["ex6_answer"], "the lesson 01 reference changed: update the hard_coded student"
    faked = dict(reference01, ex6_answer=barely + '\ntest_metrics = {"test_accuracy": 0.99}')
    submit("hard_coded", trainer, fill(blank01, faked), sum(worth01.values()) - worth01["ex6_answer"])

    (folder / "expected.json").write_text(json.dumps(expected, indent=1, sort_keys=True) + "\n")
    return expected


if __name__ == "__main__":
    build(Path(sys.argv[1]) if len(sys.argv) > 1 else FOLDER)
