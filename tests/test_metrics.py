"""The course's metric modules, loaded by name through evaluate, against their reference libraries."""
import json
import os
import subprocess
import sys

import evaluate
import numpy as np
import pytest
import sacrebleu
from conftest import ROOT
from rouge_score import rouge_scorer
from seqeval.metrics import classification_report as seqeval_report
from sklearn import metrics as skm

from ftcourse.shared.metrics import NAMES


@pytest.fixture(scope="module", autouse=True)
def installed(ci_course):
    """setup() has run: the names resolve offline."""


def random_labels(seed, n, classes):
    rng = np.random.default_rng(seed)
    return rng.integers(0, classes, n).tolist(), rng.integers(0, classes, n).tolist()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_classification_metrics_match_sklearn_binary_and_multiclass(seed):
    preds, refs = random_labels(seed, 200, 2)
    assert evaluate.load("accuracy").compute(predictions=preds, references=refs)["accuracy"] == pytest.approx(
        skm.accuracy_score(refs, preds))
    for name, fn in (("precision", skm.precision_score), ("recall", skm.recall_score), ("f1", skm.f1_score)):
        metric = evaluate.load(name)
        assert metric.compute(predictions=preds, references=refs)[name] == pytest.approx(fn(refs, preds))
        mpreds, mrefs = random_labels(seed + 10, 300, 5)
        for average in ("macro", "weighted", "micro"):
            got = metric.compute(predictions=mpreds, references=mrefs, average=average)[name]
            assert got == pytest.approx(fn(mrefs, mpreds, average=average)), (name, average)
        per_class = metric.compute(predictions=mpreds, references=mrefs, average=None)[name]
        assert per_class == pytest.approx(fn(mrefs, mpreds, average=None).tolist())


def test_fixed_case_by_hand():
    preds, refs = [1, 1, 0, 0, 1], [1, 0, 0, 1, 1]
    assert evaluate.load("accuracy").compute(predictions=preds, references=refs) == {"accuracy": 0.6}
    assert evaluate.load("precision").compute(predictions=preds, references=refs)["precision"] == pytest.approx(2 / 3)
    assert evaluate.load("recall").compute(predictions=preds, references=refs)["recall"] == pytest.approx(2 / 3)


def test_combine_and_add_batch_work():
    combined = evaluate.combine(["accuracy", "f1"])
    for p, r in ((1, 1), (0, 1), (0, 0)):
        combined.add(prediction=p, reference=r)
    assert combined.compute() == pytest.approx({"accuracy": 2 / 3, "f1": 2 / 3})


@pytest.mark.parametrize("name", NAMES)
def test_empty_and_mismatched_inputs_fail_clearly(name):
    metric = evaluate.load(name)
    with pytest.raises(ValueError, match="no predictions"):
        metric.compute(predictions=[], references=[])
    sample = {"accuracy": (1, 0), "precision": (1, 0), "recall": (1, 0), "f1": (1, 0),
              "bleu": ("a cat", ["a cat"]), "sacrebleu": ("a cat", ["a cat"]), "rouge": ("a cat", "a cat"),
              "squad": ({"id": "1", "prediction_text": "x"}, {"id": "1", "answers": {"text": ["x"], "answer_start": [0]}}),
              "seqeval": (["O"], ["O"])}[name]
    with pytest.raises(ValueError, match="Mismatch|predictions but"):
        metric.compute(predictions=[sample[0]] * 2, references=[sample[1]] * 3)


TRANSLATIONS = [
    ("the cat sat on the mat", ["the cat is sitting on the mat"]),
    ("a quick brown fox jumps over the lazy dog", ["the quick brown fox jumped over the lazy dog"]),
    ("hello there, general kenobi!", ["hello there general kenobi"]),
    ("it is raining cats and dogs today", ["today it rains very heavily"]),
]


def test_bleu_matches_sacrebleu_without_smoothing():
    preds, refs = zip(*TRANSLATIONS)
    ours = evaluate.load("bleu").compute(predictions=list(preds), references=[r for r in refs])
    theirs = sacrebleu.corpus_bleu(list(preds), [[r[0] for r in refs]], smooth_method="none", tokenize="13a")
    assert 100 * ours["bleu"] == pytest.approx(theirs.score, abs=1e-9)
    assert ours["translation_length"] == theirs.sys_len and ours["reference_length"] == theirs.ref_len
    assert [100 * p for p in ours["precisions"]] == pytest.approx(theirs.precisions)


def test_bleu_perfect_and_disjoint():
    bleu = evaluate.load("bleu")
    assert bleu.compute(predictions=["one two three four five"], references=[["one two three four five"]])["bleu"] == 1.0
    assert bleu.compute(predictions=["one two three four"], references=[["five six seven eight"]])["bleu"] == 0.0


def test_sacrebleu_module_equals_the_library():
    preds, refs = zip(*TRANSLATIONS)
    ours = evaluate.load("sacrebleu").compute(predictions=list(preds), references=[list(r) for r in refs])
    theirs = sacrebleu.corpus_bleu(list(preds), [[r[0] for r in refs]])
    assert ours["score"] == pytest.approx(theirs.score)
    assert ours["bp"] == pytest.approx(theirs.bp) and ours["counts"] == theirs.counts


SUMMARIES = [
    ("the model was trained for three epochs", "the model trained for three epochs on the data"),
    ("police killed the gunman", "the gunman was shot dead by police"),
    ("line one.\nline two.", "line two.\nline one."),
]


def test_rouge_matches_rouge_score_mean_fmeasure():
    preds, refs = zip(*SUMMARIES)
    ours = evaluate.load("rouge").compute(predictions=list(preds), references=list(refs), use_stemmer=True)
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL", "rougeLsum"], use_stemmer=True)
    scores = [scorer.score(r, p) for p, r in SUMMARIES]
    for key in ("rouge1", "rouge2", "rougeL", "rougeLsum"):
        assert ours[key] == pytest.approx(np.mean([s[key].fmeasure for s in scores]))
    per_example = evaluate.load("rouge").compute(predictions=list(preds), references=list(refs),
                                                  use_aggregator=False)
    assert len(per_example["rouge1"]) == len(SUMMARIES)


def test_squad_exact_match_and_f1_by_hand():
    refs = [{"id": "1", "answers": {"text": ["Denver Broncos", "the Broncos"], "answer_start": [0, 0]}},
            {"id": "2", "answers": {"text": ["in 1996"], "answer_start": [5]}}]
    preds = [{"id": "1", "prediction_text": "The Denver Broncos!"},  # normalises to an exact match
             {"id": "2", "prediction_text": "1996 season"}]  # one of two tokens right, gold has two
    out = evaluate.load("squad").compute(predictions=preds, references=refs)
    assert out["exact_match"] == pytest.approx(50.0)
    assert out["f1"] == pytest.approx((100.0 + 50.0) / 2)


def test_seqeval_matches_the_library():
    refs = [["B-PER", "I-PER", "O", "B-LOC"], ["O", "B-ORG", "I-ORG", "O"]]
    preds = [["B-PER", "I-PER", "O", "O"], ["O", "B-ORG", "O", "O"]]
    ours = evaluate.load("seqeval").compute(predictions=preds, references=refs)
    theirs = seqeval_report(refs, preds, output_dict=True, zero_division=0)
    assert ours["overall_f1"] == pytest.approx(theirs["micro avg"]["f1-score"])
    assert ours["PER"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "number": 1}
    assert ours["LOC"]["recall"] == 0.0 and ours["ORG"]["f1"] == 0.0
    assert ours["overall_accuracy"] == pytest.approx(6 / 8)


FRESH_PROCESS = """
import ftcourse
ftcourse.setup("ci")
import evaluate
from sklearn.metrics import accuracy_score
p, r = [0, 1, 1, 0, 1, 1], [0, 1, 0, 0, 1, 0]
print(__import__("json").dumps([evaluate.load("accuracy").compute(predictions=p, references=r)["accuracy"],
                                accuracy_score(r, p)]))
"""


def test_accuracy_in_a_fresh_process_matches_sklearn_offline():
    cut_off = [str(ROOT / "scripts" / "without-network")]
    done = subprocess.run(cut_off + [sys.executable, "-c", FRESH_PROCESS], capture_output=True, text=True,
                          timeout=300, env={k: v for k, v in os.environ.items() if not k.startswith("HF_")})
    assert done.returncode == 0, done.stderr
    ours, sklearn_value = json.loads(done.stdout.strip().splitlines()[-1])
    assert ours == sklearn_value == pytest.approx(4 / 6)



SAME_FOLDER = """
import importlib, json, os
import evaluate.config
from ftcourse.shared.metrics import modules_cache_from_environment
found = []
for variables in json.loads(os.environ["VARIANTS"]):
    for name in ("HF_HOME", "XDG_CACHE_HOME", "HF_MODULES_CACHE"):
        os.environ.pop(name, None)
    os.environ.update(variables)
    importlib.reload(evaluate.config)  # evaluate reads them when its config module is imported
    found.append([str(modules_cache_from_environment()), str(evaluate.config.HF_MODULES_CACHE)])
print(json.dumps(found))
"""
VARIANTS = [{}, {"HF_HOME": "/tmp/ftcourse-hf-home"}, {"XDG_CACHE_HOME": "/tmp/ftcourse-xdg"},
            {"HF_MODULES_CACHE": "/tmp/ftcourse-modules", "HF_HOME": "/tmp/elsewhere"}]


def test_the_metrics_go_where_evaluate_looks_without_importing_it():
    """set-up places the metric scripts without importing evaluate (about 3 s): the folder it computes
    must be the one evaluate.config gives, however the variables are set."""
    done = subprocess.run([sys.executable, "-c", SAME_FOLDER], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "VARIANTS": json.dumps(VARIANTS)})
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert len(found) == len(VARIANTS) and all(ours == evaluates for ours, evaluates in found), found
