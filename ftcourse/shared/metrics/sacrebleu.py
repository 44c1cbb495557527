"""SacreBLEU (Post, 2018): BLEU with standard tokenization and settings, so scores are comparable.

Computed by the sacrebleu library's corpus_bleu; scores are between 0 and 100. Every prediction
needs the same number of references.
"""
import evaluate
import sacrebleu as scb

from ftcourse.shared.metrics import base
from ftcourse.shared.metrics.text import (
    as_reference_lists,
    prediction_reference_features,
)


class Sacrebleu(base.CourseMetric):
    def _info(self):
        return evaluate.MetricInfo(
            description=__doc__,
            citation="Post. A Call for Clarity in Reporting BLEU Scores. WMT 2018.",
            inputs_description="predictions: list of strings; references: a string or list of strings per prediction.",
            features=prediction_reference_features(),
        )

    def _compute(self, predictions, references, smooth_method="exp", smooth_value=None, force=False,
                 lowercase=False, tokenize=None, use_effective_order=False):
        refs = as_reference_lists(references)
        counts = {len(r) for r in refs}
        if len(counts) != 1:
            raise ValueError("sacrebleu: give every prediction the same number of references")
        streams = [[r[i] for r in refs] for i in range(counts.pop())]
        options = dict(smooth_method=smooth_method, smooth_value=smooth_value, force=force,
                       lowercase=lowercase, use_effective_order=use_effective_order)
        if tokenize is not None:
            options["tokenize"] = tokenize
        out = scb.corpus_bleu(predictions, streams, **options)
        return {"score": out.score, "counts": out.counts, "totals": out.totals,
                "precisions": out.precisions, "bp": out.bp, "sys_len": out.sys_len, "ref_len": out.ref_len}
