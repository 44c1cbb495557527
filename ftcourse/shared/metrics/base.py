"""The base class of the course's metrics: evaluate alone gives obscure errors for bad input
(an IndexError for empty lists), so every metric checks its inputs here first.

Metric scripts import this module, not the class: evaluate takes the first Metric subclass it
finds in a script's namespace as the metric, and that must be the script's own class."""
import evaluate


class CourseMetric(evaluate.Metric):
    def add_batch(self, *, predictions=None, references=None, **kwargs):
        """Add a batch of predictions and references, after checking that they pair up.\n"""
        name = self.name
        if predictions is not None and len(predictions) == 0:
            raise ValueError(f"{name}: got no predictions; pass at least one prediction and its reference")
        if predictions is not None and references is not None and len(predictions) != len(references):
            raise ValueError(
                f"{name}: got {len(predictions)} predictions but {len(references)} references; "
                "pass one reference (or list of references) per prediction"
            )
        return super().add_batch(predictions=predictions, references=references, **kwargs)
