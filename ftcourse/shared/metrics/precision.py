"""Precision: of the examples predicted as a class, the fraction that belong to it (scikit-learn's precision_score)."""
from sklearn.metrics import precision_score

from ftcourse.shared.metrics import base
from ftcourse.shared.metrics.classification import info, prf


class Precision(base.CourseMetric):
    def _info(self):
        return info("precision_score", __doc__, self.config_name)

    def _compute(self, predictions, references, **options):
        return prf(precision_score, "precision", predictions, references, **options)
