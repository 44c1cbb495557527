"""Checks for lesson 03 (LoRA / PEFT): what a saved adapter holds, and whether the base stayed frozen.

A LoRA adapter saved with `save_pretrained` is a folder with `adapter_config.json` and
`adapter_model.safetensors`. For a sequence classifier the file holds the LoRA matrices
(`...lora_A.weight`, `...lora_B.weight`) and the trained classifier head (peft puts it in
`modules_to_save`); any other tensor would mean that part of the base model was trained and saved.
These helpers read the adapter and the pristine base weights from disk, so the tests and the
grader's outcome check (`ftcourse.instructor.outcomes.lora_adapter`) do not trust notebook variables.
"""
from pathlib import Path

from ...shared.scoring import accuracy, predict, quiet  # noqa: F401 - lesson 03's tests call lora_checks.quiet()

ADAPTER_FILE = "adapter_model.safetensors"
CONFIG_FILE = "adapter_config.json"
BASE_WEIGHTS = "model.safetensors"
HEAD = "classifier"  # the head of BertForSequenceClassification
MAX_ADAPTER_SHARE = 0.05  # an adapter file must be smaller than 5% of the base model's weights file


def base_dir() -> Path:
    """The pristine course encoder, as fetched (never the student's copy)."""
    from ...shared.assets import ENCODER, require

    return require(ENCODER)


def adapter_tensors(adapter_dir) -> dict:
    """Tensor name -> shape (a tuple) in the adapter file of `adapter_dir`."""
    from safetensors import safe_open

    with safe_open(str(Path(adapter_dir) / ADAPTER_FILE), "pt") as fh:
        return {name: tuple(fh.get_slice(name).get_shape()) for name in fh.keys()}


def is_lora_or_head(name: str) -> bool:
    parts = name.split(".")
    return any(p.startswith("lora_") for p in parts) or HEAD in parts


def foreign_tensors(adapter_dir) -> list:
    """Names of tensors in the adapter file that are neither LoRA matrices nor the classifier head."""
    return sorted(name for name in adapter_tensors(adapter_dir) if not is_lora_or_head(name))


def adapter_bytes(adapter_dir) -> int:
    return (Path(adapter_dir) / ADAPTER_FILE).stat().st_size


def max_adapter_bytes() -> int:
    """The largest adapter file the course accepts: a share of the base model's weights file."""
    return int(MAX_ADAPTER_SHARE * (base_dir() / BASE_WEIGHTS).stat().st_size)


def adapter_problems(adapter_dir) -> list:
    """What is wrong with the adapter folder (empty when it is a LoRA adapter of the right form)."""
    folder = Path(adapter_dir)
    missing = [name for name in (CONFIG_FILE, ADAPTER_FILE) if not (folder / name).is_file()]
    if missing:
        return [f"{folder} has no {' or '.join(missing)} (save the adapter with save_pretrained or trainer.save_model)"]
    found = []
    tensors = adapter_tensors(folder)
    if not any(".lora_A." in name for name in tensors):
        found.append("the adapter file holds no LoRA matrices")
    if not any(HEAD in name.split(".") for name in tensors):
        found.append("the adapter file holds no classifier head (use task_type=TaskType.SEQ_CLS)")
    foreign = foreign_tensors(folder)
    if foreign:
        found.append(f"the adapter file holds {len(foreign)} base-model tensors, e.g. {foreign[0]}: "
                     "only LoRA matrices and the classifier head should be trained and saved")
    size, limit = adapter_bytes(folder), max_adapter_bytes()
    if size > limit:
        found.append(f"the adapter file has {size / 1e6:.2f} MB, more than {MAX_ADAPTER_SHARE:.0%} of the "
                     f"base model's weights ({limit / 1e6:.2f} MB)")
    return found


def changed_base_weights(peft_model) -> list:
    """Names of the base model's weights that differ (in any bit) from the pristine weights file.

    Works on a PeftModel before merging: LoRA layers keep the original weight as `base_layer`, and
    `modules_to_save` keeps the original head as `original_module`."""
    import torch
    from safetensors import safe_open

    state = peft_model.get_base_model().state_dict()
    plain = {}
    for name, tensor in state.items():
        if ".lora_" in name or ".modules_to_save." in name:
            continue
        key = name.replace(".base_layer.", ".").replace(".original_module.", ".")
        plain[key.removeprefix("bert.")] = tensor
    changed = []
    with safe_open(str(base_dir() / BASE_WEIGHTS), "pt") as fh:
        for key in fh.keys():
            if key not in plain:
                if not key.endswith("position_ids"):  # a buffer, not a weight
                    changed.append(f"{key} (missing)")
                continue
            original, current = fh.get_tensor(key), plain[key].detach().to("cpu")
            if original.shape != current.shape or not torch.equal(original, current.to(original.dtype)):
                changed.append(key)
    return changed


def load_adapter_model(adapter_dir, num_labels: int = 2):
    """A fresh pristine base classifier with the saved adapter applied, and the tokenizer."""
    from peft import PeftModel
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    with quiet():
        base = AutoModelForSequenceClassification.from_pretrained(str(base_dir()), num_labels=num_labels)
        model = PeftModel.from_pretrained(base, str(adapter_dir))
    return model, AutoTokenizer.from_pretrained(str(base_dir()))


def adapter_accuracy(adapter_dir, dataset, max_length: int = 128) -> float:
    """Accuracy of base + saved adapter on a dataset with `text` and `label` columns."""
    model, tokenizer = load_adapter_model(adapter_dir)
    return accuracy(predict(model, tokenizer, dataset["text"], max_length=max_length), dataset["label"])


def adapter_config(adapter_dir) -> dict:
    """The saved `adapter_config.json` of `adapter_dir`, as a dict."""
    import json

    return json.loads((Path(adapter_dir) / CONFIG_FILE).read_text())


def peft_trainable_count(model_config, r: int, target_modules) -> int:
    """The trainable parameters peft reports for a SEQ_CLS LoRA model of `model_config` (a transformers
    config), counted on the `meta` device: shapes only, no weights loaded or allocated."""
    import torch
    from peft import LoraConfig, TaskType, get_peft_model
    from transformers import AutoModelForSequenceClassification

    with quiet(), torch.device("meta"):
        skeleton = AutoModelForSequenceClassification.from_config(model_config)
        wrapped = get_peft_model(skeleton, LoraConfig(task_type=TaskType.SEQ_CLS, r=r, target_modules=target_modules))
    return wrapped.get_nb_trainable_parameters()[0]
