"""The facts that quiz answers state, checked against the installed libraries, so that an upgrade that
changes one fails here instead of teaching something false. Models are small and randomly initialised:
only their shapes matter."""
import math

import pytest

from ftcourse.quiz import engine


def answer(question_id):
    return engine.question(question_id).answer


def test_training_arguments_and_trainer():
    import inspect

    from transformers import Trainer, TrainingArguments

    names = inspect.signature(TrainingArguments).parameters
    assert "eval_strategy" in names and "evaluation_strategy" not in names and "warmup_ratio" not in names
    trainer_names = inspect.signature(Trainer).parameters
    assert "processing_class" in trainer_names and "tokenizer" not in trainer_names
    with pytest.raises(ValueError, match="requires the save and eval strategy to match"):
        TrainingArguments("out", eval_strategy="epoch", load_best_model_at_end=True)
    best = TrainingArguments("out", eval_strategy="epoch", save_strategy="epoch", load_best_model_at_end=True)
    assert (best.metric_for_best_model, best.greater_is_better) == ("loss", False)
    assert TrainingArguments("out", metric_for_best_model="f1").greater_is_better is True
    assert TrainingArguments("out", eval_strategy="steps").eval_steps == 500
    steps = 3 * math.ceil(2000 / 32)
    assert TrainingArguments("out", warmup_steps=0.1).get_warmup_steps(steps) == answer("01-warmup-count")


def test_datasets_facts():
    import datasets

    datasets.disable_progress_bars()
    calls = []
    rows = datasets.Dataset.from_dict({"text": ["x"] * 10201, "label": [0, 1] * 5100 + [0]})
    rows.map(lambda batch: calls.append(1) or {}, batched=True)
    assert len(calls) == answer("02-batch-calls")
    assert rows.train_test_split(test_size=0.2, seed=42)["test"].num_rows == answer("02-split-size")
    with pytest.raises(ValueError, match="only supported for ClassLabel column"):
        rows.train_test_split(test_size=0.1, stratify_by_column="label")
    rows.class_encode_column("label").train_test_split(test_size=0.1, stratify_by_column="label")


def minilm_classifier(num_labels):
    """A random model with the course encoder's shapes: 6 layers, hidden size 384."""
    from transformers import BertConfig, BertForSequenceClassification

    config = BertConfig(vocab_size=64, hidden_size=384, num_hidden_layers=6, num_attention_heads=12,
                        intermediate_size=1536, num_labels=num_labels)
    return BertForSequenceClassification(config)


@pytest.mark.parametrize("question_id, labels, settings", [
    ("03-minilm-qv", 2, {"r": 8, "target_modules": ["query", "value"]}),
    ("03-minilm-qkv", 5, {"r": 16, "target_modules": ["query", "key", "value"]}),
    ("03-target-dense", 2, {"r": 4, "target_modules": ["dense"]}),
])
def test_lora_parameter_counts(question_id, labels, settings):
    from peft import LoraConfig, TaskType, get_peft_model

    model = get_peft_model(minilm_classifier(labels), LoraConfig(task_type=TaskType.SEQ_CLS, **settings))
    assert model.get_nb_trainable_parameters()[0] == answer(question_id)


def test_lora_defaults_scaling_and_merge():
    from peft import LoraConfig, TaskType, get_peft_model

    model = get_peft_model(minilm_classifier(2), LoraConfig(task_type=TaskType.SEQ_CLS, r=8, lora_alpha=16))
    assert model.peft_config["default"].target_modules == {"query", "value"}
    query = model.base_model.model.bert.encoder.layer[0].attention.self.query
    assert query.scaling["default"] == answer("03-scaling")
    assert not query.lora_B["default"].weight.any()
    rs = get_peft_model(minilm_classifier(2), LoraConfig(r=16, lora_alpha=16, use_rslora=True))
    assert rs.base_model.model.bert.encoder.layer[0].attention.self.query.scaling["default"] == answer("03-rslora")
    base_size = minilm_classifier(2).num_parameters()
    assert model.merge_and_unload().num_parameters() == base_size


def test_metric_facts():
    from rouge_score import rouge_scorer
    from sacrebleu import corpus_bleu
    from seqeval.metrics import f1_score as entity_f1
    from sklearn.metrics import f1_score

    references, predictions = [1] * 60 + [0] * 40, [1] * 40 + [0] * 20 + [1] * 10 + [0] * 30  # TP 40, FN 20, FP 10
    assert f1_score(references, predictions) == pytest.approx(answer("04-binary-f1"), abs=0.002)
    with pytest.raises(ValueError, match="average='binary'"):
        f1_score([0, 1, 1, 0], [0, 1, 2, 0])
    assert entity_f1([["B-PER", "I-PER", "O", "B-LOC"]], [["B-PER", "O", "O", "B-LOC"]]) == answer("04-seqeval-f1")
    rouge2 = rouge_scorer.RougeScorer(["rouge2"]).score("the cat sat on the mat", "the cat lay on the mat")
    assert rouge2["rouge2"].fmeasure == pytest.approx(answer("04-rouge2"))
    assert corpus_bleu(["the cat"], [["the cat sat on the mat"]]).score == 0
