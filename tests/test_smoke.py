"""The smoke fine-tune's code path (`make smoke`, and the benchmarks that train through it) in the ci
profile, on a few rows: it trains, keeps the best checkpoint, scores, saves a model that reloads, and
reports what it did. Whether the ci recipe learns is checked where it is graded: the reference
student's lesson 01 fine-tune must reach the profile's mark on held-out reviews (tests/test_grading.py),
and the measured runs of `benchmarks.sentiment_margins` must clear it (tests/test_sentiment_margins.py)."""
import pytest

pytestmark = pytest.mark.slow  # trains a model

ROWS = 48


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    from ftcourse.runner.smoke import fine_tune

    return fine_tune("ci", output_dir=tmp_path_factory.mktemp("runs"), log=lambda msg: None, limit=ROWS)


def test_reports_the_run(result):
    assert result["train_examples"] == ROWS
    assert 0.0 <= result["test_accuracy"] <= 1.0


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
    assert torch.allclose(probabilities.sum(-1), torch.ones(2))


def test_an_unknown_recipe_names_the_known_ones():
    from ftcourse.runner.smoke import fine_tune

    with pytest.raises(ValueError, match="unknown recipe 'chapter4': use one of profile, shared, chapter3"):
        fine_tune("ci", recipe="chapter4")
