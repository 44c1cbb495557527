"""Checks for lesson 03 (LoRA / PEFT): what a saved adapter holds, and whether the base stayed frozen.

A LoRA adapter saved with `save_pretrained` is a folder with `adapter_config.json` and
`adapter_model.safetensors`. For a sequence classifier the file holds the LoRA matrices
(`...lora_A.weight`, `...lora_B.weight`) and the trained classifier head (peft puts it in
`modules_to_save`); any other tensor would mean that part of the base model was trained and saved.
These helpers read the adapter and the pristine base weights from disk, and recompute what the
hidden tests compare with (counts from peft on the `meta` device, predictions and logits computed
here, accuracy on the held-out grading rows), so that the tests do not trust notebook variables.
Names that both a locked cell of the lesson and a test need (the run folders, the probe texts) are
defined here once; the LoRA learning rate is the profile's (`Profile.lora_learning_rate`).
"""
from pathlib import Path

from ...shared.encoders import course_tokenizer, encoder_layers, head_shapes, layout  # noqa: F401 - the lesson's cells use them
from ...shared.scoring import accuracy, logits, predict, quiet  # noqa: F401 - lesson 03's tests call lora_checks.quiet()
from ...shared.lora_config import config_differences, config_fields, default_fields  # noqa: F401 - tests use them

ADAPTER_FILE = "adapter_model.safetensors"
CONFIG_FILE = "adapter_config.json"
BASE_WEIGHTS = "model.safetensors"
HEAD = "classifier"  # the head of BertForSequenceClassification and of MPNetForSequenceClassification
MAX_ADAPTER_SHARE = 0.05  # an adapter file must be smaller than 5% of the base model's weights file

RUN_DIR = "runs/03_lora_peft"
ADAPTER_DIR = f"{RUN_DIR}/adapter"  # exercise 4 saves the adapter here
PROBE_SIZE = 64  # validation reviews whose predictions exercises 5 and 6 compare
ACCURACY_MARGIN = 0.05  # a trained adapter must beat the untrained model (or the majority class) by this much
EXERCISE_FIELDS = {"task_type": "SEQ_CLS", "r": 8, "lora_alpha": 16, "lora_dropout": 0.1, "bias": "none"}


def query_value() -> set:
    """The target_modules of exercise 1: the attention's query and value projections of the profile's
    encoder, read from the pristine model's config (`query`/`value` on BERT, `q`/`v` on MPNet)."""
    from transformers import AutoConfig

    return set(layout(AutoConfig.from_pretrained(str(base_dir()))).query_value)


def exercise_config() -> dict:
    """The LoraConfig fields of exercise 1 for the profile's encoder."""
    return {**EXERCISE_FIELDS, "target_modules": query_value()}


def rank_dir(r: int) -> str:
    """The folder of the rank-`r` adapter of section 9's table."""
    return f"{RUN_DIR}/rank_{r}"


def base_dir() -> Path:
    """The pristine encoder of the active profile, as fetched (never the student's copy)."""
    from ...shared import profiles
    from ...shared.assets import encoder_for, require

    return require(encoder_for(profiles.select()))


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
    prefix = peft_model.get_base_model().base_model_prefix  # "bert" or "mpnet": the weights file has no prefix
    plain = {}
    for name, tensor in state.items():
        if ".lora_" in name or ".modules_to_save." in name:
            continue
        key = name.replace(".base_layer.", ".").replace(".original_module.", ".")
        plain[key.removeprefix(prefix + ".")] = tensor
    changed = []
    pooled = getattr(peft_model.get_base_model().base_model, "pooler", None) is not None
    with safe_open(str(base_dir() / BASE_WEIGHTS), "pt") as fh:
        for key in fh.keys():
            if key.startswith("pooler.") and not pooled:
                continue  # MPNet's classifier has no pooler: the checkpoint's pooler is not loaded
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


def meta_lora_model(model_config, **lora_options):
    """A SEQ_CLS LoRA model of `model_config` (a transformers config) on the `meta` device: shapes
    only, no weights loaded or allocated."""
    import torch
    from peft import LoraConfig, TaskType, get_peft_model
    from transformers import AutoModelForSequenceClassification

    with quiet(), torch.device("meta"):
        skeleton = AutoModelForSequenceClassification.from_config(model_config)
        return get_peft_model(skeleton, LoraConfig(task_type=TaskType.SEQ_CLS, **lora_options))


def peft_trainable_count(model_config, r: int, target_modules, **lora_options) -> int:
    """The trainable parameters peft reports for a SEQ_CLS LoRA model of `model_config` (a transformers
    config), counted on the `meta` device."""
    return meta_lora_model(model_config, r=r, target_modules=target_modules, **lora_options) \
        .get_nb_trainable_parameters()[0]


def base_parameter_count(model_config) -> int:
    """The parameters of the plain sequence classifier of `model_config`, counted on the `meta` device."""
    import torch
    from transformers import AutoModelForSequenceClassification

    with quiet(), torch.device("meta"):
        return sum(p.numel() for p in AutoModelForSequenceClassification.from_config(model_config).parameters())


def layer_shapes(model_config, target_modules) -> list:
    """(in_features, out_features) of each Linear of layer 0 that peft adapts for `target_modules`."""
    from peft.tuners.lora import LoraLayer

    wrapped = meta_lora_model(model_config, r=1, target_modules=list(target_modules))
    return [(m.in_features, m.out_features) for name, m in wrapped.named_modules()
            if isinstance(m, LoraLayer) and ".layer.0." in name]


def unseen_config(rng, model_type=None):
    """A small BERT or MPNet architecture nobody saw in advance: width, depth, feed-forward size and
    label count drawn from `rng` (a NumPy generator); the architecture too, unless `model_type` names it."""
    from transformers import BertConfig, MPNetConfig

    model_type = model_type or str(rng.choice(["bert", "mpnet"]))
    heads = int(rng.integers(1, 5))
    hidden = heads * int(rng.choice([16, 32, 48]))
    sizes = dict(hidden_size=hidden, num_attention_heads=heads, num_hidden_layers=int(rng.integers(1, 5)),
                 intermediate_size=hidden * int(rng.choice([2, 3, 4])), num_labels=int(rng.integers(2, 7)),
                 vocab_size=128, max_position_embeddings=64)
    return (BertConfig if model_type == "bert" else MPNetConfig)(**sizes)


def unseen_targets(rng, model_config) -> list:
    """One to three of the Linear modules of a layer of `model_config`'s architecture, drawn from `rng`."""
    count = int(rng.integers(1, 4))
    return sorted(str(t) for t in rng.choice(layout(model_config).layer_linears, size=count, replace=False))


def meta_head_shapes(model_config) -> list:
    """(in, out) of each Linear of the classification head of `model_config`'s classifier (meta device)."""
    import torch
    from transformers import AutoModelForSequenceClassification

    with quiet(), torch.device("meta"):
        return head_shapes(AutoModelForSequenceClassification.from_config(model_config))


def probe_texts(profile) -> list:
    """The validation reviews whose predictions exercises 5 and 6 compare (the first PROBE_SIZE)."""
    from ...shared.data import load_sentiment

    with quiet():
        return list(load_sentiment(profile)["validation"]["text"][:PROBE_SIZE])


def training_steps(profile) -> int:
    """The optimizer steps of a run over the profile's training split with its batch size and epochs."""
    import math

    from ...shared.data import load_sentiment

    with quiet():
        rows = len(load_sentiment(profile)["train"])
    return math.ceil(rows / profile.train_batch_size) * profile.epochs


def adapter_mismatches(peft_model, adapter_name: str, adapter_dir) -> list:
    """Names of the tensors of the adapter file in `adapter_dir` that the adapter `adapter_name` of
    `peft_model` does not hold with exactly the same values (missing ones included)."""
    import torch
    from peft import get_peft_model_state_dict
    from safetensors.torch import load_file

    held = get_peft_model_state_dict(peft_model, adapter_name=adapter_name)
    saved = load_file(str(Path(adapter_dir) / ADAPTER_FILE))
    wrong = [name for name, tensor in saved.items()
             if name not in held or held[name].shape != tensor.shape
             or not torch.equal(held[name].detach().cpu().to(tensor.dtype), tensor)]
    return sorted(wrong + [name for name in held if name not in saved])


def merge_mismatches(peft_model, merged_model, atol: float = 1e-5) -> list:
    """Names of the adapted weights of `peft_model` (its active adapter) whose counterpart in
    `merged_model` is not the base weight plus (lora_alpha / r) * B @ A, and of the head if it is
    not the trained head."""
    import torch
    from peft.tuners.lora import LoraLayer

    adapter = peft_model.active_adapter
    merged = dict(merged_model.named_parameters())
    wrong = []
    with torch.no_grad():
        for name, module in peft_model.get_base_model().named_modules():
            if not isinstance(module, LoraLayer) or adapter not in module.lora_A:
                continue
            delta = module.lora_B[adapter].weight @ module.lora_A[adapter].weight * module.scaling[adapter]
            expected = (module.base_layer.weight + delta).detach().cpu().float()
            found = merged.get(f"{name}.weight")
            if found is None or found.shape != expected.shape or \
                    not torch.allclose(found.detach().cpu().float(), expected, atol=atol):
                wrong.append(name)
        head = getattr(peft_model.get_base_model(), HEAD)
        trained_head = head.modules_to_save[adapter] if hasattr(head, "modules_to_save") else head
        for key, tensor in trained_head.named_parameters():
            found = merged.get(f"{HEAD}.{key}")
            if found is None or not torch.equal(found.detach().cpu(), tensor.detach().cpu()):
                wrong.append(f"{HEAD}.{key}")
    return wrong


def untrained_accuracy(dataset, profile) -> float:
    """Accuracy of the pretrained encoder with a new, untrained head (what a LoRA model computes
    before training, since B starts at zero), the head seeded with the profile's seed in a forked
    random state."""
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    with quiet(), torch.random.fork_rng(devices=[]):
        torch.manual_seed(profile.seed)
        model = AutoModelForSequenceClassification.from_pretrained(str(base_dir()), num_labels=2)
        tokenizer = AutoTokenizer.from_pretrained(str(base_dir()))
    return accuracy(predict(model, tokenizer, dataset["text"], max_length=profile.max_length), dataset["label"])


def majority_share(dataset) -> float:
    """The accuracy of always predicting the most frequent label."""
    from collections import Counter

    labels = list(dataset["label"])
    return max(Counter(labels).values()) / len(labels) if labels else 0.0
