"""seqeval: entity-level precision, recall and F1 for sequence labelling (NER, chunking).

An entity counts as correct only when its type and all of its span match the reference; scores
come from the seqeval library, per entity type and overall, plus token-level accuracy.
"""
import datasets
import evaluate
import seqeval.scheme
from seqeval.metrics import accuracy_score, classification_report

from ftcourse.shared.metrics import base


class Seqeval(base.CourseMetric):
    def _info(self):
        return evaluate.MetricInfo(
            description=__doc__,
            citation="Nakayama. seqeval: A Python framework for sequence labeling evaluation. 2018.",
            inputs_description="predictions and references: one list of tags (e.g. IOB2) per sentence.",
            features=datasets.Features({
                "predictions": datasets.Sequence(datasets.Value("string")),
                "references": datasets.Sequence(datasets.Value("string")),
            }),
        )

    def _compute(self, predictions, references, suffix=False, scheme=None, mode=None,
                 sample_weight=None, zero_division="warn"):
        if scheme is not None:
            try:
                scheme = getattr(seqeval.scheme, scheme)
            except AttributeError:
                raise ValueError(f"seqeval: unknown scheme {scheme!r}; use e.g. 'IOB2', 'IOE2', 'IOBES'") from None
        report = classification_report(y_true=references, y_pred=predictions, suffix=suffix,
                                       output_dict=True, scheme=scheme, mode=mode,
                                       sample_weight=sample_weight, zero_division=zero_division)
        overall = report.pop("micro avg")
        for key in ("macro avg", "weighted avg"):
            report.pop(key, None)
        scores = {entity: {"precision": float(s["precision"]), "recall": float(s["recall"]),
                           "f1": float(s["f1-score"]), "number": int(s["support"])}
                  for entity, s in report.items()}
        scores.update(overall_precision=float(overall["precision"]), overall_recall=float(overall["recall"]),
                      overall_f1=float(overall["f1-score"]),
                      overall_accuracy=float(accuracy_score(y_true=references, y_pred=predictions)))
        return scores
