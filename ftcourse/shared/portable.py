"""Values as data: how answers leave a student's kernel, and how calls reach an isolated answer.

The grader never asks a student's kernel for a verdict. It asks it for data: the values a test
needs, written in formats whose reading runs no code of the writer's:

- plain values (numbers, text, lists, dicts, tuples, sets, NumPy arrays and scalars, small tensors)
  as JSON, with a tag for what JSON lacks (`{"$t": "tuple", "v": [...]}`);
- datasets as Arrow folders (`save_to_disk`), read back with `load_from_disk`;
- models as a config (JSON) and their weights (safetensors), rebuilt from the config by a class
  that must be one of transformers' models, LoRA adapters by peft from their configs;
- tokenizers as `save_pretrained` folders, read without remote code;
- known objects (TrainingArguments, a Trainer's state, peft configs, evaluate modules) as a
  `Record` of their attributes; functions as a `FunctionRef` (the grader calls them in an isolated
  process instead, see `ftcourse.instructor.isolated`); anything else as an `Opaque` naming its type.

`dump` runs in the kernel (so it may be lied to: what it writes is the student's claim, checked
by the grader). `load` runs in the grader and refuses links, special files, oversized folders and
malformed JSON with a one-line reason.
"""
import base64
import collections.abc
import json
import math
import os
import shutil
from pathlib import Path

MAX_JSON_BYTES = 64 * 2**20  # one values.json
MAX_FOLDER_BYTES = 4 * 2**30  # one export folder, every file in it
MAX_DEPTH = 64  # nesting of plain values
MAX_ARRAY_ITEMS = 5_000_000


class Unportable(ValueError):
    """A value that this module cannot write or read back."""


def type_names(value) -> list:
    """Qualified names of the value's class and its bases, e.g. ['transformers.trainer.Trainer', ...]."""
    return [f"{c.__module__}.{c.__qualname__}" for c in type(value).__mro__]


class Record:
    """An object seen as its attributes, e.g. TrainingArguments. `isinstance` does not know it; tests
    check its kind with `checks.expect_type`, which reads `exported_types`."""

    def __init__(self, types, attrs):
        self.__dict__["exported_types"] = list(types)
        self.__dict__["_attrs"] = dict(attrs)

    def __getattr__(self, name):
        attrs = self.__dict__["_attrs"]
        if name in attrs:
            if isinstance(attrs[name], Unreadable):
                raise Unportable(f"the {name} of the exported {short_type(self)} could not be read back: "
                                 f"{attrs[name].reason}")
            return attrs[name]
        raise AttributeError(f"the exported {short_type(self)} has no attribute {name!r}")

    def __setattr__(self, name, value):
        raise AttributeError("an exported object is read-only")

    def to_dict(self) -> dict:
        return dict(self._attrs)

    def __repr__(self):
        return f"<exported {short_type(self)}>"


class Unreadable:
    """An attribute of a record that was exported but could not be read back, and why."""

    def __init__(self, reason: str):
        self.reason = reason


class Opaque(Record):
    """A value the grader could not take from the kernel; only its type (and a short repr) is known."""

    def __repr__(self):
        return f"<{short_type(self)} (not exported: {self._attrs.get('reason', 'unknown type')})>"


class FunctionRef(Record):
    """A function defined by the student: the grader calls it in an isolated process."""

    def __repr__(self):
        return f"<function {self._attrs.get('name')} (runs in isolation)>"


class Offered:
    """Stands for an object the lesson offers a student's function by name (its checks module's
    `ANSWER_CONTEXT`), e.g. the base model: the grader's isolated process builds its own copy and
    passes that, so a test can call `generate(model, ...)` without the model crossing a process."""

    def __init__(self, name: str):
        self.name = name

    def __repr__(self):
        return f"<the lesson's {self.name}>"


_OFFERED = {}  # id(object) -> (name, object): kept alive so that the id is not reused


def offer(name: str, value):
    """Mark `value` as the lesson's `name`: passed to a student's function, it travels as that name."""
    _OFFERED[id(value)] = (name, value)
    return value


def short_type(value) -> str:
    types = getattr(value, "exported_types", None) or type_names(value)
    return types[0].rsplit(".", 1)[-1] if types else type(value).__name__


# --- plain values -----------------------------------------------------------------------------------

def encode(value, depth: int = 0):
    """A plain value as JSON-able data; raises Unportable for anything else."""
    import numbers

    if depth > MAX_DEPTH:
        raise Unportable("nested too deeply")
    if value is None or isinstance(value, bool) or isinstance(value, str) and type(value) is str:
        return value
    if type(value) is int:
        return value
    if type(value) is float:
        return value if math.isfinite(value) else {"$t": "float", "v": repr(value)}
    if isinstance(value, str):  # str subclasses, e.g. enum members: their text (str() gives 'Enum.MEMBER')
        return str.__str__(value)
    if isinstance(value, (list, tuple, set, frozenset)):
        items = list(value)
        if isinstance(value, (set, frozenset)):
            items.sort(key=repr)
        encoded = [encode(v, depth + 1) for v in items]
        if type(value) is list:
            return encoded
        kind = "tuple" if isinstance(value, tuple) else "frozenset" if isinstance(value, frozenset) else "set"
        return {"$t": kind, "v": encoded}
    if isinstance(value, dict):
        if all(type(k) is str for k in value) and "$t" not in value:
            return {k: encode(v, depth + 1) for k, v in value.items()}
        return {"$t": "dict", "v": [[encode(k, depth + 1), encode(v, depth + 1)] for k, v in value.items()]}
    if isinstance(value, collections.abc.Mapping):  # e.g. a tokenizer's output (BatchEncoding, a UserDict)
        return encode(dict(value.items()), depth)
    if isinstance(value, os.PathLike):
        return {"$t": "path", "v": os.fspath(value)}
    if isinstance(value, bytes):
        return {"$t": "bytes", "v": base64.b64encode(value).decode()}
    module = type(value).__module__
    if module == "transformers.trainer_utils" and type(value).__name__ == "EvalPrediction":
        return {"$t": "EvalPrediction", "predictions": encode(value.predictions, depth + 1),
                "label_ids": encode(value.label_ids, depth + 1)}
    if module == "numpy" or module.startswith("numpy."):
        return _encode_numpy(value)
    if module == "torch" and type(value).__name__ in ("Tensor", "Parameter"):
        array = value.detach().cpu()
        dtype = str(array.dtype).removeprefix("torch.")
        if dtype == "bfloat16":
            array = array.float()
        return {"$t": "tensor", "dtype": dtype, "a": _encode_numpy(array.numpy())}
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return encode(float(value), depth)
    if id(value) in _OFFERED and _OFFERED[id(value)][1] is value:
        return {"$t": "offered", "v": _OFFERED[id(value)][0]}
    raise Unportable(f"a {type(value).__name__} is not a plain value")


def _encode_numpy(value):
    import numpy as np

    if isinstance(value, np.generic):
        if value.dtype.kind not in "biuf":
            return encode(value.item())
        item = value.item()
        return {"$t": "np", "dtype": value.dtype.str, "v": item if not isinstance(item, float) or
                math.isfinite(item) else repr(item)}
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "biufU" or value.size > MAX_ARRAY_ITEMS:
            raise Unportable(f"an array of dtype {value.dtype} and size {value.size} is not exported as a value")
        flat = [x if not isinstance(x, float) or math.isfinite(x) else repr(x) for x in value.ravel().tolist()]
        return {"$t": "array", "dtype": value.dtype.str, "shape": list(value.shape), "v": flat}
    raise Unportable(f"a {type(value).__name__} is not a plain value")


def _float(v):
    return float(v) if isinstance(v, str) else v


def decode(data, depth: int = 0):
    """The value `encode` wrote; raises Unportable for data it did not write."""
    if depth > MAX_DEPTH:
        raise Unportable("nested too deeply")
    if data is None or isinstance(data, (bool, int, float, str)):
        return data
    if isinstance(data, list):
        return [decode(v, depth + 1) for v in data]
    if not isinstance(data, dict):
        raise Unportable(f"unexpected {type(data).__name__} in exported data")
    tag = data.get("$t")
    if tag is None:
        return {k: decode(v, depth + 1) for k, v in data.items()}
    v = data.get("v")
    if tag == "float" and v in ("nan", "inf", "-inf"):
        return float(v)
    if tag in ("tuple", "set", "frozenset") and isinstance(v, list):
        items = [decode(x, depth + 1) for x in v]
        return {"tuple": tuple, "set": set, "frozenset": frozenset}[tag](items)
    if tag == "dict" and isinstance(v, list) and all(isinstance(p, list) and len(p) == 2 for p in v):
        return {decode(k, depth + 1): decode(x, depth + 1) for k, x in v}
    if tag == "path" and isinstance(v, str):
        return Path(v)
    if tag == "bytes" and isinstance(v, str):
        return base64.b64decode(v)
    if tag in ("np", "array"):
        return _decode_numpy(data)
    if tag == "EvalPrediction":
        from transformers import EvalPrediction

        return EvalPrediction(predictions=decode(data.get("predictions"), depth + 1),
                              label_ids=decode(data.get("label_ids"), depth + 1))
    if tag == "offered" and isinstance(v, str):
        return Offered(v)
    if tag == "tensor":
        import torch

        array = _decode_numpy(data.get("a") or {})
        tensor = torch.from_numpy(array.copy())
        dtype = getattr(torch, str(data.get("dtype")), None)
        return tensor.to(dtype) if isinstance(dtype, torch.dtype) else tensor
    raise Unportable(f"unknown tag {tag!r} in exported data")


def _decode_numpy(data):
    import numpy as np

    try:
        dtype = np.dtype(str(data["dtype"]))
    except (KeyError, TypeError) as err:
        raise Unportable(f"bad NumPy type in exported data ({err})") from None
    if dtype.kind not in "biufU":
        raise Unportable(f"NumPy type {dtype} is not allowed in exported data")
    convert = _float if dtype.kind == "f" else (lambda x: x)
    try:
        if data["$t"] == "np":
            return dtype.type(convert(data.get("v")))
        shape, flat = data.get("shape"), data.get("v")
        if not isinstance(shape, list) or not isinstance(flat, list) or math.prod(shape) != len(flat):
            raise Unportable("an exported array whose shape does not match its values")
        return np.array([convert(x) for x in flat], dtype=dtype).reshape(shape)
    except (TypeError, ValueError, OverflowError) as err:
        raise Unportable(f"an exported NumPy value could not be read ({type(err).__name__})") from None


# --- rich values: the kernel side ---------------------------------------------------------------------

def dump(value, folder: Path, name: str, seen: dict) -> dict:
    """Write `value` under `folder` (files named after `name`) and return its record (JSON-able).

    `seen` maps id() of values already written in this export to their records' names, so that one
    object reached twice (a Trainer's model and the model itself) is read back as one object."""
    if id(value) in seen:
        return {"kind": "same", "as": seen[id(value)][0], "types": type_names(value)}
    seen[id(value)] = (name, value)  # the value is kept so its id is not reused meanwhile
    types = type_names(value)
    try:
        return {"kind": "value", "data": encode(value), "types": types}
    except Unportable:
        pass
    for kind, test, writer in _WRITERS:
        if any(t in types for t in test) if isinstance(test, tuple) else test(value, types):
            record = writer(value, folder, name, seen)
            record.setdefault("types", types)
            record.setdefault("kind", kind)
            return record
    text = repr(value) if len(types) < 50 else type(value).__name__
    return {"kind": "opaque", "types": types, "attrs": {"repr": text[:200], "reason": "not a kind the grader reads"}}


def _is_function(value, types) -> bool:
    import types as pytypes

    return isinstance(value, (pytypes.FunctionType, pytypes.MethodType))


def _is_model(value, types) -> bool:
    return "transformers.modeling_utils.PreTrainedModel" in types or any(
        t.startswith("peft.peft_model.PeftModel") for t in types)


def _is_tokenizer(value, types) -> bool:
    return "transformers.tokenization_utils_base.PreTrainedTokenizerBase" in types


def _is_dataset(value, types) -> bool:
    return any(t in types for t in ("datasets.arrow_dataset.Dataset", "datasets.dataset_dict.DatasetDict"))


def _write_dataset(value, folder, name, seen):
    path = folder / name
    value.save_to_disk(str(path))
    return {"kind": "dataset", "path": name, "dict": "datasets.dataset_dict.DatasetDict" in type_names(value)}


def _write_tokenizer(value, folder, name, seen):
    value.save_pretrained(str(folder / name))
    return {"kind": "tokenizer", "path": name}


def _write_model(value, folder, name, seen):
    from safetensors.torch import save_file

    is_peft = hasattr(value, "peft_config") and hasattr(value, "get_base_model")
    base = value.get_base_model() if is_peft else value
    path = folder / name
    path.mkdir(parents=True, exist_ok=True)
    state, pointers = {}, {}
    for key, tensor in value.state_dict().items():  # shared or strided tensors: their own copies
        tensor = tensor.detach().cpu()
        pointer = tensor.untyped_storage().data_ptr() if tensor.numel() else None
        state[key] = tensor.clone().contiguous() if pointer in pointers or not tensor.is_contiguous() else tensor
        pointers.setdefault(pointer, key)
    save_file(state, str(path / "weights.safetensors"))
    record = {"kind": "model", "path": name, "class": type(base).__name__,
              "config": encode(base.config.to_dict()),
              "trainable": [n for n, p in value.named_parameters() if p.requires_grad],
              "training": bool(value.training)}
    if is_peft:
        record["peft"] = {"adapters": {n: encode(_config_dict(c)) for n, c in value.peft_config.items()},
                          "active": encode(value.active_adapter)}
    return record


def _config_dict(config) -> dict:
    return {k: v for k, v in config.to_dict().items() if not k.startswith("_")}


def _attrs(value, folder, name, seen, names) -> dict:
    found = {}
    for attr in names:
        try:
            found[attr] = dump(getattr(value, attr), folder, f"{name}.{attr}", seen)
        except Exception as err:  # noqa: BLE001 - an attribute that cannot be read is left out
            found[attr] = {"kind": "error", "error": f"{type(err).__name__}: {str(err)[:200]}"}
    return found


def _write_trainer(value, folder, name, seen):
    return {"kind": "record", "attrs": _attrs(value, folder, name, seen, ("state", "args", "model"))}


def _write_fields(value, folder, name, seen):
    """Objects that are their fields: TrainingArguments, TrainerState, peft configs."""
    import dataclasses

    raw = value.to_dict() if hasattr(value, "to_dict") else dataclasses.asdict(value)
    attrs = {}
    for key, item in raw.items():
        try:
            attrs[key] = {"kind": "value", "data": encode(item), "types": type_names(item)}
        except Unportable:
            continue
    return {"kind": "record", "attrs": attrs, "fields": True}


def _write_evaluation(value, folder, name, seen):
    names = [getattr(m, "name", None) for m in getattr(value, "evaluation_modules", [])] or [getattr(value, "name", None)]
    return {"kind": "record", "attrs": {"names": {"kind": "value", "data": encode([str(n) for n in names])}}}


def _write_function(value, folder, name, seen):
    return {"kind": "function", "attrs": {"name": {"kind": "value", "data": getattr(value, "__name__", name)}}}


_WRITERS = [
    ("dataset", _is_dataset, _write_dataset),
    ("model", _is_model, _write_model),
    ("tokenizer", _is_tokenizer, _write_tokenizer),
    ("record", ("transformers.trainer.Trainer",), _write_trainer),
    ("record", ("transformers.training_args.TrainingArguments", "transformers.trainer_callback.TrainerState",
                "peft.config.PeftConfigMixin"), _write_fields),
    ("record", ("evaluate.module.EvaluationModule", "evaluate.module.CombinedEvaluations"), _write_evaluation),
    ("function", _is_function, _write_function),
]


# --- rich values: the grader side ---------------------------------------------------------------------

def check_folder(path: Path, max_bytes: int = MAX_FOLDER_BYTES) -> int:
    """Bytes in `path`, refusing links, special files and more than `max_bytes` in all."""
    path = Path(path)
    if path.is_symlink() or not path.exists():
        raise Unportable(f"{path.name} is missing or a link")
    total = 0
    for root, dirs, files in os.walk(path, followlinks=False):
        for entry in dirs + files:
            info = os.lstat(os.path.join(root, entry))
            import stat

            if stat.S_ISLNK(info.st_mode) or not (stat.S_ISDIR(info.st_mode) or stat.S_ISREG(info.st_mode)):
                raise Unportable(f"{os.path.join(root, entry)} is a link or a special file")
            total += info.st_size
            if total > max_bytes:
                raise Unportable(f"more than {max_bytes / 2**30:.1f} GB of exported files")
    return total


def read_json(path: Path, max_bytes: int = MAX_JSON_BYTES):
    path = Path(path)
    if path.is_symlink() or not path.is_file():
        raise Unportable(f"{path.name} is missing or not a plain file")
    if path.stat().st_size > max_bytes:
        raise Unportable(f"{path.name} has {path.stat().st_size / 2**20:.0f} MB, more than {max_bytes / 2**20:.0f} MB")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError) as err:
        raise Unportable(f"{path.name} is not valid JSON ({type(err).__name__})") from None


class Loader:
    """Reads one export folder's records back into values, each object once."""

    def __init__(self, folder: Path, records: dict):
        self.folder = Path(folder)
        self.records = records
        self.loaded = {}

    def value(self, name: str):
        if name not in self.loaded:
            self.loaded[name] = self.load(self.records[name], name)
        return self.loaded[name]

    def load(self, record, name: str):
        if not isinstance(record, dict) or not isinstance(record.get("kind"), str):
            raise Unportable(f"the record of {name} is malformed")
        kind = record["kind"]
        if kind == "value":
            return decode(record.get("data"))
        if kind == "same":
            target = record.get("as")
            if target == name or not isinstance(target, str):
                raise Unportable(f"the record of {name} refers to itself")
            return self.lookup(target)
        if kind == "opaque":
            return Opaque(record.get("types", []), _plain_attrs(record))
        if kind == "function":
            return FunctionRef(record.get("types", []), {"name": decode(_inner(record, "name", name))})
        if kind == "record":
            attrs = record.get("attrs")
            if not isinstance(attrs, dict):
                raise Unportable(f"the record of {name} is malformed")
            loaded = {}
            for key, sub in attrs.items():
                try:
                    loaded[key] = self.load(sub, f"{name}.{key}")
                except Unportable as err:
                    loaded[key] = Unreadable(str(err))
            return Record(record.get("types", []), loaded)
        if kind in ("dataset", "tokenizer", "model"):
            path = self._path(record, name)
            check_folder(path)
            return getattr(self, f"_{kind}")(record, path)
        if kind in ("missing", "error"):
            raise Unportable(record.get("error") or "it was not defined")
        raise Unportable(f"unknown kind {kind!r} in the record of {name}")

    def lookup(self, dotted: str):
        """A value by its name in this export, e.g. 'trainer.model'."""
        if dotted in self.loaded:
            return self.loaded[dotted]
        head, _, rest = dotted.partition(".")
        value = self.value(head)
        for part in rest.split(".") if rest else []:
            value = getattr(value, part)
        return value

    def _path(self, record, name) -> Path:
        rel = record.get("path")
        if not isinstance(rel, str) or "/" in rel or rel.startswith("."):
            raise Unportable(f"the record of {name} names a bad path")
        return self.folder / rel

    def _dataset(self, record, path):
        import datasets
        from datasets import load_from_disk

        datasets.disable_caching()  # what a test maps or filters stays in memory, not beside the export
        datasets.disable_progress_bars()
        try:
            return load_from_disk(str(path))
        except Exception as err:  # noqa: BLE001 - any broken folder is the submission's
            raise Unportable(f"the exported dataset could not be read ({type(err).__name__})") from None

    def _tokenizer(self, record, path):
        from transformers import AutoTokenizer

        try:
            return AutoTokenizer.from_pretrained(str(path), trust_remote_code=False, local_files_only=True)
        except Exception as err:  # noqa: BLE001
            raise Unportable(f"the exported tokenizer could not be read ({type(err).__name__})") from None

    def _model(self, record, path):
        try:
            return load_model(record, path)
        except Unportable:
            raise
        except Exception as err:  # noqa: BLE001
            raise Unportable(f"the exported model could not be rebuilt ({type(err).__name__}: "
                             f"{str(err).splitlines()[0][:120] if str(err) else ''})") from None


def _inner(record, key, name):
    try:
        return record["attrs"][key]["data"]
    except (KeyError, TypeError):
        raise Unportable(f"the record of {name} is malformed") from None


def _plain_attrs(record) -> dict:
    attrs = record.get("attrs") if isinstance(record.get("attrs"), dict) else {}
    return {k: v for k, v in attrs.items() if isinstance(v, str)}


def load_model(record: dict, path: Path):
    """Rebuild a model from its config and weights: a transformers class from its config, LoRA
    adapters from their peft configs, then every weight loaded strictly."""
    import torch
    import transformers
    from safetensors.torch import load_file

    cls = getattr(transformers, str(record.get("class")), None)
    if not (isinstance(cls, type) and issubclass(cls, transformers.PreTrainedModel)):
        raise Unportable(f"{record.get('class')!r} is not a transformers model class")
    config_dict = decode(record.get("config"))
    if not isinstance(config_dict, dict):
        raise Unportable("the exported model has no config")
    config = cls.config_class.from_dict(config_dict)
    state = load_file(str(path / "weights.safetensors"))
    dtypes = {t.dtype for t in state.values() if t.is_floating_point()}
    dtype = dtypes.pop() if len(dtypes) == 1 else torch.float32
    from .scoring import quiet

    with quiet():
        model = cls._from_config(config, dtype=dtype)
        peft = record.get("peft")
        if peft:
            from peft import PeftConfig, get_peft_model

            adapters = decode(peft.get("adapters"))
            if not isinstance(adapters, dict) or not adapters:
                raise Unportable("the exported PEFT model names no adapters")
            (first, first_config), *others = adapters.items()
            model = get_peft_model(model, _peft_config(PeftConfig, first_config), adapter_name=first)
            for adapter, adapter_config in others:
                model.add_adapter(adapter, _peft_config(PeftConfig, adapter_config))
            active = decode(peft.get("active"))
            if isinstance(active, str) and active in adapters:
                model.set_adapter(active)
        missing, unexpected = model.load_state_dict(state, strict=False)
    if missing or unexpected:
        example = (list(missing) + list(unexpected))[0]
        raise Unportable(f"the exported weights do not fit the model ({len(missing)} missing, "
                         f"{len(unexpected)} unexpected, e.g. {example})")
    trainable = set(decode(record.get("trainable")) or [])
    for key, parameter in model.named_parameters():
        parameter.requires_grad_(key in trainable)
    model.train(bool(record.get("training")))
    return model


def _peft_config(PeftConfig, raw):
    if not isinstance(raw, dict) or str(raw.get("peft_type")) != "LORA":
        raise Unportable("only LoRA adapters are rebuilt by the grader")
    raw = {k: v for k, v in raw.items() if k not in ("peft_type",)}
    from peft import LoraConfig

    known = set(LoraConfig.__dataclass_fields__)
    return LoraConfig(**{k: v for k, v in raw.items() if k in known and k != "peft_type"})


def copy_files(paths, into: Path, max_bytes: int = MAX_FOLDER_BYTES) -> list:
    """Copy the files or folders at `paths` (relative to the working folder) under `into`, keeping
    their relative paths; return the ones that did not exist. Links are copied as links (the
    grader refuses them)."""
    missing = []
    for rel in paths:
        source = Path(rel)
        if not source.exists():
            missing.append(rel)
            continue
        target = into / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir() and not source.is_symlink():
            shutil.copytree(source, target, symlinks=True, dirs_exist_ok=True)
        else:
            shutil.copy2(source, target, follow_symlinks=False)
    return missing
