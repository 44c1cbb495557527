"""ROUGE (Lin, 2004): n-gram (rouge1, rouge2) and longest-common-subsequence (rougeL, rougeLsum)
overlap F-measures between a summary and its reference, computed by the rouge-score library.

With `use_aggregator=True` the result is the mean F-measure over the examples (evaluate's hub
module reports the median of a random bootstrap instead, which differs slightly and varies).
rougeLsum treats newlines as sentence boundaries. With several references per prediction the
best-scoring one counts.
"""
import evaluate
from rouge_score import rouge_scorer

from ftcourse.shared.metrics import base
from ftcourse.shared.metrics.text import (
    as_reference_lists,
    prediction_reference_features,
)


class Rouge(base.CourseMetric):
    def _info(self):
        return evaluate.MetricInfo(
            description=__doc__,
            citation="Lin. ROUGE: A Package for Automatic Evaluation of Summaries. ACL Workshop 2004.",
            inputs_description="predictions: list of strings; references: a string or list of strings per prediction.",
            features=prediction_reference_features(),
        )

    def _compute(self, predictions, references, rouge_types=None, use_aggregator=True,
                 use_stemmer=False, tokenizer=None):
        rouge_types = rouge_types or ["rouge1", "rouge2", "rougeL", "rougeLsum"]
        scorer = rouge_scorer.RougeScorer(rouge_types, use_stemmer=use_stemmer, tokenizer=tokenizer)
        per_example = {t: [] for t in rouge_types}
        for prediction, refs in zip(predictions, as_reference_lists(references)):
            scores = scorer.score_multi(refs, prediction)
            for t in rouge_types:
                per_example[t].append(scores[t].fmeasure)
        if use_aggregator:
            return {t: sum(v) / len(v) for t, v in per_example.items()}
        return per_example
