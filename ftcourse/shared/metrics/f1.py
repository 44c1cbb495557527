"""F1: the harmonic mean of precision and recall (scikit-learn's f1_score)."""
from sklearn.metrics import f1_score

from ftcourse.shared.metrics import base
from ftcourse.shared.metrics.classification import info, prf


class F1(base.CourseMetric):
    def _info(self):
        return info("f1_score", __doc__, self.config_name)

    def _compute(self, predictions, references, **options):
        return prf(f1_score, "f1", predictions, references, **options)
