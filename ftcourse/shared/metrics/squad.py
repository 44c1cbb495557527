"""SQuAD v1.1 (Rajpurkar et al., 2016): exact match and token-overlap F1 of extracted answers.

Answers are compared after lower-casing and removing punctuation, the articles a/an/the and extra
whitespace; each prediction is scored against its best-matching gold answer. Scores are 0-100.
"""
import re
import string
from collections import Counter

import datasets
import evaluate

from ftcourse.shared.metrics import base

PUNCTUATION = set(string.punctuation)


def normalize(text):
    text = "".join(ch for ch in text.lower() if ch not in PUNCTUATION)
    text = re.sub(r"\b(a|an|the)\b", " ", text)
    return " ".join(text.split())


def token_f1(prediction, gold):
    pred_tokens, gold_tokens = normalize(prediction).split(), normalize(gold).split()
    common = sum((Counter(pred_tokens) & Counter(gold_tokens)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(pred_tokens), common / len(gold_tokens)
    return 2 * precision * recall / (precision + recall)


class Squad(base.CourseMetric):
    def _info(self):
        return evaluate.MetricInfo(
            description=__doc__,
            citation="Rajpurkar, Zhang, Lopyrev and Liang. SQuAD: 100,000+ Questions for Machine Comprehension of Text. EMNLP 2016.",
            inputs_description=(
                "predictions: [{'id': str, 'prediction_text': str}]; references: "
                "[{'id': str, 'answers': {'text': [str], 'answer_start': [int]}}]."
            ),
            features=datasets.Features({
                "predictions": {"id": datasets.Value("string"), "prediction_text": datasets.Value("string")},
                "references": {"id": datasets.Value("string"),
                               "answers": datasets.Sequence({"text": datasets.Value("string"),
                                                             "answer_start": datasets.Value("int32")})},
            }),
        )

    def _compute(self, predictions, references):
        gold = {r["id"]: r["answers"]["text"] for r in references}
        missing = [p["id"] for p in predictions if p["id"] not in gold]
        if missing:
            raise ValueError(f"squad: predictions for unknown ids {missing[:3]}; give each prediction the id of its reference")
        exact = f1 = 0.0
        for p in predictions:
            answers = gold[p["id"]] or [""]
            exact += max(float(normalize(p["prediction_text"]) == normalize(a)) for a in answers)
            f1 += max(token_f1(p["prediction_text"], a) for a in answers)
        return {"exact_match": 100.0 * exact / len(predictions), "f1": 100.0 * f1 / len(predictions)}
