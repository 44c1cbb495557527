"""What accuracy, precision, recall and f1 share: their input features and their sklearn call."""
import datasets
import evaluate


def features(config_name):
    if config_name == "multilabel":
        return datasets.Features(
            {"predictions": datasets.Sequence(datasets.Value("int32")),
             "references": datasets.Sequence(datasets.Value("int32"))}
        )
    return datasets.Features({"predictions": datasets.Value("int32"), "references": datasets.Value("int32")})


def info(metric, description, config_name):
    return evaluate.MetricInfo(
        description=description,
        citation="Pedregosa et al., Scikit-learn: Machine Learning in Python, JMLR 12, 2011.",
        inputs_description="predictions and references: class ids (lists of 0/1 for config 'multilabel').",
        features=features(config_name),
        reference_urls=[f"https://scikit-learn.org/stable/modules/generated/sklearn.metrics.{metric}.html"],
    )


def scalar_or_list(value):
    """sklearn returns an array for average=None; evaluate users expect a float otherwise."""
    return float(value) if getattr(value, "size", 1) == 1 else value.tolist()


def prf(sklearn_fn, name, predictions, references, labels=None, pos_label=1, average="binary",
        sample_weight=None, zero_division="warn"):
    score = sklearn_fn(references, predictions, labels=labels, pos_label=pos_label, average=average,
                       sample_weight=sample_weight, zero_division=zero_division)
    return {name: scalar_or_list(score)}
