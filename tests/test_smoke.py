"""The smoke fine-tune in the ci profile: real training that learns, and a model that reloads."""
import pytest

pytestmark = pytest.mark.slow  # trains a model


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    from ftcourse.runner.smoke import fine_tune

    return fine_tune("ci", output_dir=tmp_path_factory.mktemp("runs"), log=lambda msg: None)


def test_reaches_the_profile_threshold(result):
    from ftcourse.shared.profiles import PROFILES

    assert result["train_examples"] == PROFILES["ci"].full_train_size
    assert result["test_accuracy"] >= PROFILES["ci"].min_accuracy


def test_saved_model_reloads_and_predicts(result, ci_course):
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(result["model_dir"])
    model = AutoModelForSequenceClassification.from_pretrained(result["model_dir"]).eval()
    assert model.config.id2label == {0: "negative", 1: "positive"}
    batch = tokenizer(["A triumph: moving, funny and beautifully acted.", "A dull, lifeless mess."],
                      padding=True, return_tensors="pt")
    with torch.no_grad():
        probabilities = model(**batch).logits.softmax(-1)
    assert probabilities.shape == (2, 2)
    assert probabilities[0, 1] > probabilities[1, 1], "the praise should look more positive than the pan"


def test_an_unknown_recipe_names_the_known_ones():
    from ftcourse.runner.smoke import fine_tune

    with pytest.raises(ValueError, match="unknown recipe 'chapter4': use one of profile, shared, chapter3"):
        fine_tune("ci", recipe="chapter4")
