"""Accuracy: the fraction of predictions equal to their reference (scikit-learn's accuracy_score)."""
from sklearn.metrics import accuracy_score

from ftcourse.shared.metrics import base
from ftcourse.shared.metrics.classification import info


class Accuracy(base.CourseMetric):
    def _info(self):
        return info("accuracy_score", __doc__, self.config_name)

    def _compute(self, predictions, references, normalize=True, sample_weight=None):
        return {"accuracy": float(accuracy_score(references, predictions, normalize=normalize,
                                                 sample_weight=sample_weight))}
