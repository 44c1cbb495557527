"""Values as data: what leaves a student's kernel comes back as the same value, or is refused with a
reason, and reading it runs no code of the writer's."""
import json
import math
import os

import numpy as np
import pytest

from ftcourse.shared import portable
from ftcourse.student import checks


@pytest.mark.parametrize("value", [
    None, True, 3, -2.5, "text", [1, "a", None], (1, 2), {"a": (1, [2.0])}, {1: "one", (2, 3): "pair"},
    {"$t": "not a tag"}, {3, 1, 2}, frozenset({"x"}), b"\x00\xff",
    np.float64(0.25), np.int64(7), np.bool_(True), np.array([[1, 2], [3, 4]], dtype=np.int32),
    np.array([0.5, float("inf")]), np.array(["a", "bc"]),
])
def test_plain_values_come_back_equal_and_of_the_same_type(value):
    back = portable.decode(json.loads(json.dumps(portable.encode(value))))
    assert type(back) is type(value)
    if isinstance(value, np.ndarray):
        assert back.dtype == value.dtype and np.array_equal(back, value)
    else:
        assert back == value


def test_special_floats_survive():
    back = portable.decode(portable.encode([float("nan"), float("-inf")]))
    assert math.isnan(back[0]) and back[1] == float("-inf")


def test_what_is_not_a_plain_value_is_refused():
    for value in (object(), np.array([object()]), lambda: 1, {"k": open}):
        with pytest.raises(portable.Unportable):
            portable.encode(value)
    for data in ({"$t": "array", "dtype": "O", "shape": [1], "v": [1]}, {"$t": "array", "dtype": "<i8", "shape": [3],
                                                                          "v": [1]}, {"$t": "pickle", "v": "x"}):
        with pytest.raises(portable.Unportable):
            portable.decode(data)


def test_an_eval_prediction_travels_to_an_isolated_answer():
    from transformers import EvalPrediction

    back = portable.decode(portable.encode(EvalPrediction(predictions=np.ones((2, 2)), label_ids=np.array([0, 1]))))
    assert isinstance(back, EvalPrediction) and back.label_ids.tolist() == [0, 1]


def export(tmp_path, **values):
    """Write `values` as the kernel would, and return a loader over them."""
    seen, records = {}, {}
    for name, value in values.items():
        records[name] = portable.dump(value, tmp_path, name, seen)
    records = json.loads(json.dumps(records))  # what reaches the grader is the JSON
    return portable.Loader(tmp_path, records)


def test_datasets_come_back_with_their_features_and_format(tmp_path):
    from datasets import ClassLabel, Dataset, DatasetDict

    data = Dataset.from_dict({"x": [1, 2], "label": [0, 1]}).cast_column("label", ClassLabel(names=["n", "p"]))
    splits = DatasetDict({"train": data, "test": data.select([1])}).with_format("torch")
    back = export(tmp_path, splits=splits).value("splits")
    assert isinstance(back, DatasetDict) and back["train"].features == data.features
    assert back["test"].format["type"] == "torch" and back["test"][0]["x"].item() == 2


def test_a_model_and_its_trainer_come_back_as_one_object_with_the_same_weights(tmp_path, ci_course):
    import torch
    from transformers import AutoModelForSequenceClassification, Trainer, TrainingArguments

    from ftcourse.shared.scoring import quiet

    with quiet():
        model = AutoModelForSequenceClassification.from_pretrained(ci_course.model_dir, num_labels=2)
        args = TrainingArguments(str(tmp_path / "out"), eval_strategy="epoch", learning_rate=1e-3, report_to="none")
        trainer = Trainer(model=model, args=args, eval_dataset=[{"input_ids": [101, 102], "label": 0}])
    trainer.state.global_step = 5
    loader = export(tmp_path / "export", model=model, trainer=trainer, args=args)
    rebuilt, view = loader.value("model"), loader.value("trainer")
    assert view.model is rebuilt and checks.is_a(view, Trainer) and not isinstance(view, Trainer)
    assert view.state.global_step == 5 and view.args.eval_strategy == "epoch"
    assert checks.is_a(loader.value("args"), TrainingArguments) and loader.value("args").learning_rate == 1e-3
    batch = {"input_ids": torch.tensor([[101, 2204, 3185, 102]]), "attention_mask": torch.ones(1, 4, dtype=torch.long)}
    model.eval(), rebuilt.eval()
    assert all(torch.equal(a, b) for a, b in zip(model.state_dict().values(), rebuilt.state_dict().values()))
    with torch.no_grad():  # the same weights; BLAS may round a last bit differently on other memory
        assert torch.allclose(model(**batch).logits, rebuilt(**batch).logits, atol=1e-6)


def test_a_peft_model_comes_back_with_its_adapters_active_one_and_trainable_flags(tmp_path, ci_course):
    import torch
    from peft import LoraConfig, PeftModel, TaskType, get_peft_model
    from transformers import AutoModelForSequenceClassification

    from ftcourse.shared.scoring import quiet

    with quiet():
        base = AutoModelForSequenceClassification.from_pretrained(ci_course.model_dir, num_labels=2)
        model = get_peft_model(base, LoraConfig(task_type=TaskType.SEQ_CLS, r=4, target_modules=["query"]),
                               adapter_name="first")
        model.add_adapter("second", LoraConfig(task_type=TaskType.SEQ_CLS, r=2, target_modules=["value"]))
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            if "lora_B" in name:
                parameter.normal_()
    model.set_adapter("second")
    back = export(tmp_path, model=model).value("model")
    assert isinstance(back, PeftModel) and sorted(back.peft_config) == ["first", "second"]
    assert back.active_adapter == "second"
    assert {n for n, p in back.named_parameters() if p.requires_grad} == \
        {n for n, p in model.named_parameters() if p.requires_grad}
    batch = {"input_ids": torch.tensor([[101, 2204, 102]]), "attention_mask": torch.ones(1, 3, dtype=torch.long)}
    model.eval(), back.eval()
    with torch.no_grad():
        assert torch.allclose(model(**batch).logits, back(**batch).logits)


def test_functions_and_unknown_objects_are_named_not_run(tmp_path):
    def answer(x):
        return x + 1

    loader = export(tmp_path, answer=answer, thing=object())
    ref = loader.value("answer")
    assert isinstance(ref, portable.FunctionRef) and ref.name == "answer"
    thing = loader.value("thing")
    assert isinstance(thing, portable.Opaque) and checks.describe(thing) == "object"


def test_the_loader_refuses_links_huge_folders_bad_paths_and_bad_classes(tmp_path):
    folder = tmp_path / "values"
    (folder / "ok").mkdir(parents=True)
    os.symlink("/etc/passwd", folder / "ok" / "link")
    with pytest.raises(portable.Unportable, match="link"):
        portable.check_folder(folder)
    (folder / "ok" / "link").unlink()
    with open(folder / "ok" / "big", "wb") as fh:
        fh.truncate(2 * 2**20)
    with pytest.raises(portable.Unportable, match="more than"):
        portable.check_folder(folder, max_bytes=2**20)
    loader = portable.Loader(folder, {"a": {"kind": "dataset", "path": "../../etc"},
                                      "b": {"kind": "model", "path": "ok", "class": "pipeline", "config": {}},
                                      "c": {"kind": "same", "as": "c"}, "d": ["not a record"]})
    for name, reason in (("a", "bad path"), ("b", "not a transformers model class"), ("c", "itself"),
                         ("d", "malformed")):
        with pytest.raises(portable.Unportable, match=reason):
            loader.value(name)
    (tmp_path / "values.json").write_text("{not json")
    with pytest.raises(portable.Unportable, match="not valid JSON"):
        portable.read_json(tmp_path / "values.json")


def test_the_kernel_side_export_records_what_is_missing_and_what_fails(tmp_path, monkeypatch):
    from ftcourse.student import export as kernel_export

    monkeypatch.chdir(tmp_path)

    class Broken:
        def __reduce__(self):
            raise RuntimeError("no")

    (tmp_path / "runs").mkdir()
    (tmp_path / "runs" / "saved.txt").write_text("saved")
    kernel_export.save("t1", ["here", "gone"], {"here": {"a": 1}}, ["runs/saved.txt", "runs/absent"])
    meta = json.loads((tmp_path / ".ftcourse" / "exports" / "t1" / "values.json").read_text())
    assert meta["records"]["here"]["data"] == {"a": 1}
    assert meta["records"]["gone"] == {"kind": "missing", "error": "gone was not defined when the test ran"}
    assert meta["missing_files"] == ["runs/absent"]
    assert (tmp_path / ".ftcourse" / "exports" / "t1" / "files" / "runs" / "saved.txt").read_text() == "saved"


def test_an_attribute_that_cannot_be_read_back_says_why(tmp_path):
    loader = portable.Loader(tmp_path, {"trainer": {"kind": "record", "types": ["transformers.trainer.Trainer"],
                                                    "attrs": {"model": {"kind": "model", "path": "../x"}}}})
    trainer = loader.value("trainer")
    with pytest.raises(portable.Unportable, match="the model of the exported Trainer could not be read back"):
        trainer.model


def test_an_offered_object_travels_as_its_name_and_is_rebuilt_by_the_isolated_process(monkeypatch):
    from ftcourse.instructor import isolated

    class Model:  # stands for a model: no plain value
        pass

    offered, other = portable.offer("model", Model()), Model()
    sent = json.loads(json.dumps(portable.encode([offered, "headline"])))
    assert sent == [{"$t": "offered", "v": "model"}, "headline"]
    with pytest.raises(portable.Unportable):
        portable.encode(other)  # only what the lesson offered travels by name
    received = portable.decode(sent)
    assert isinstance(received[0], portable.Offered) and received[0].name == "model"

    built = []
    monkeypatch.setattr(isolated, "lesson_builders",
                        lambda lesson: {"model": lambda course: built.append(course) or f"{lesson}'s own model"})
    namespace = {"course": "the course"}
    args = isolated.resolve_offered(received, "05_x", "ci", namespace)
    kwargs = isolated.resolve_offered({"m": received[0]}, "05_x", "ci", namespace)
    assert args == ["05_x's own model", "headline"] and kwargs == {"m": "05_x's own model"}
    assert built == ["the course"]  # built once per process
    with pytest.raises(portable.Unportable, match="offers no 'tokenizer'"):
        isolated.resolve_offered([portable.Offered("tokenizer")], "05_x", "ci", namespace)
