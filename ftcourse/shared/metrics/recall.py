"""Recall: of the examples of a class, the fraction predicted as it (scikit-learn's recall_score)."""
from sklearn.metrics import recall_score

from ftcourse.shared.metrics import base
from ftcourse.shared.metrics.classification import info, prf


class Recall(base.CourseMetric):
    def _info(self):
        return info("recall_score", __doc__, self.config_name)

    def _compute(self, predictions, references, **options):
        return prf(recall_score, "recall", predictions, references, **options)
