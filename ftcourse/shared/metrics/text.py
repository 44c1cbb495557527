"""Input features shared by the text-generation metrics (bleu, sacrebleu, rouge)."""
import datasets


def prediction_reference_features():
    """One string per prediction; one string or a list of strings per reference."""
    return [
        datasets.Features({"predictions": datasets.Value("string"),
                           "references": datasets.Sequence(datasets.Value("string"))}),
        datasets.Features({"predictions": datasets.Value("string"),
                           "references": datasets.Value("string")}),
    ]


def as_reference_lists(references):
    return [[r] if isinstance(r, str) else list(r) for r in references]
