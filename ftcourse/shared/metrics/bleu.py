"""BLEU (Papineni et al., 2002): clipped n-gram precision up to `max_order` times a brevity penalty.

Corpus-level, as evaluate's "bleu": the reference length is the shortest reference of each
example, text is split with sacrebleu's 13a tokenizer, and `smooth=True` adds one to each count.
Scores are between 0 and 1.
"""
import math
from collections import Counter

import evaluate
from sacrebleu.tokenizers.tokenizer_13a import Tokenizer13a

from ftcourse.shared.metrics import base
from ftcourse.shared.metrics.text import (
    as_reference_lists,
    prediction_reference_features,
)


def ngrams(tokens, max_order):
    return Counter(tuple(tokens[i:i + n]) for n in range(1, max_order + 1)
                   for i in range(len(tokens) - n + 1))


class Bleu(base.CourseMetric):
    def _info(self):
        return evaluate.MetricInfo(
            description=__doc__,
            citation="Papineni, Roukos, Ward and Zhu. BLEU: a Method for Automatic Evaluation of Machine Translation. ACL 2002.",
            inputs_description="predictions: list of strings; references: a string or list of strings per prediction.",
            features=prediction_reference_features(),
        )

    def _compute(self, predictions, references, tokenizer=Tokenizer13a(), max_order=4, smooth=False):
        matches = [0] * max_order
        possible = [0] * max_order
        translation_length = reference_length = 0
        for prediction, refs in zip(predictions, as_reference_lists(references)):
            hyp = tokenizer(prediction).split()
            ref_tokens = [tokenizer(r).split() for r in refs]
            translation_length += len(hyp)
            reference_length += min(len(r) for r in ref_tokens)
            best_ref_counts = Counter()
            for r in ref_tokens:
                best_ref_counts |= ngrams(r, max_order)
            for gram, count in (ngrams(hyp, max_order) & best_ref_counts).items():
                matches[len(gram) - 1] += count
            for n in range(1, max_order + 1):
                possible[n - 1] += max(0, len(hyp) - n + 1)
        if smooth:
            precisions = [(m + 1.0) / (p + 1.0) for m, p in zip(matches, possible)]
        else:
            precisions = [m / p if p > 0 else 0.0 for m, p in zip(matches, possible)]
        geo_mean = math.exp(sum(math.log(p) for p in precisions) / max_order) if min(precisions) > 0 else 0.0
        ratio = translation_length / reference_length if reference_length else 0.0
        if ratio > 1.0:
            brevity_penalty = 1.0
        elif ratio == 0.0:
            brevity_penalty = 0.0
        else:
            brevity_penalty = math.exp(1 - 1.0 / ratio)
        return {
            "bleu": geo_mean * brevity_penalty,
            "precisions": precisions,
            "brevity_penalty": brevity_penalty,
            "length_ratio": ratio,
            "translation_length": translation_length,
            "reference_length": reference_length,
        }
