"""The gpu profile's model and code path, proven on the CPU with a tiny subset: the profile selects
all-mpnet-base-v2, which loads as a classifier, takes LoRA adapters on its own module names, trains
(LoRA; the full fine-tune by hand), saves, and reloads to the same predictions. A GPU run then only adds speed and
mixed precision."""
import pytest

pytestmark = pytest.mark.slow  # loads and trains a 110M-parameter model

TINY = 16  # rows per split


@pytest.fixture
def gpu_profile(monkeypatch):
    monkeypatch.setenv("FTCOURSE_PROFILE", "gpu")
    monkeypatch.setenv("FTCOURSE_TORCH_THREADS", "2")


def test_the_gpu_profile_selects_mpnet(gpu_profile):
    from ftcourse.student.setup import prepare

    course = prepare()
    assert course.profile.name == "gpu"
    assert course.model_dir.endswith("all-mpnet-base-v2")
    assert course.precision == "fp32"  # no CUDA here; bf16 (or fp16) on a GPU
    from ftcourse.shared.encoders import token_columns

    assert token_columns(course.model_dir) == ["label", "input_ids", "attention_mask"]  # no token_type_ids


# LoRA only: the full fine-tune differs by the wrapper alone (`make smoke` runs it in every profile), and
# `make test` has no second to spare. `ftcourse smoke --profile gpu --limit 16` runs it by hand.
@pytest.mark.parametrize("lora", [True], ids=["lora"])
def test_mpnet_trains_saves_and_reloads(gpu_profile, tmp_path, lora):
    import torch

    from ftcourse.lessons.lora_peft import checks as lora_checks
    from ftcourse.runner.smoke import fine_tune
    from ftcourse.shared.scoring import load_classifier

    result = fine_tune(output_dir=tmp_path, limit=TINY, lora=lora, log=lambda msg: None)
    assert (result["model"], result["train_examples"], result["test_examples"]) == ("all-mpnet-base-v2", TINY, TINY)
    saved = result["model_dir"]
    texts = ["A triumph: moving, funny and beautifully acted.", "A dull, lifeless mess."]
    if lora:
        assert lora_checks.adapter_problems(saved) == []
        names = lora_checks.adapter_tensors(saved)
        assert any(".attn.q.lora_A." in n for n in names) and any(".attn.v.lora_B." in n for n in names)
        assert any("classifier.out_proj" in n for n in names) and any("classifier.dense" in n for n in names)
        model, tokenizer = lora_checks.load_adapter_model(saved)
        assert lora_checks.changed_base_weights(model) == []  # the frozen MPNet is the pristine one
    else:
        model, tokenizer = load_classifier(saved)
    model.eval()
    with torch.no_grad():
        reloaded = model(**tokenizer(texts, padding=True, return_tensors="pt")).logits
    assert reloaded.shape == (2, 2) and torch.isfinite(reloaded).all()
    from ftcourse.shared import profiles
    from ftcourse.shared.data import load_sentiment
    from ftcourse.shared.scoring import accuracy, predict

    test = load_sentiment(profiles.get("gpu"))["test"].select(range(TINY))
    again = accuracy(predict(model, tokenizer, test["text"], max_length=profiles.get("gpu").max_length), test["label"])
    assert again == pytest.approx(result["test_accuracy"], abs=1e-4)  # the saved model is the one evaluated
