"""The facts that quiz answers state, checked against the installed libraries, so that an upgrade that
changes one fails here instead of teaching (or grading) something false. Practice answers come from the
bank; the graded quiz's key comes from the hidden tests of its instructor source (parsed, not run).
Models are randomly initialised, most on the meta device: only their shapes matter."""
import inspect
import math
import re

import pytest

import graded_quiz
from ftcourse.quiz import engine

KEY = graded_quiz.key()  # graded question id (no lesson number) -> key entry
GRADED = {q.id: q for q in graded_quiz.questions()}


def answer(question_id):
    return engine.question(question_id).answer


def key_choice(graded_id) -> str:
    """The text of the right choice of a graded single-choice question."""
    return GRADED[graded_id].choices[KEY[graded_id]]


def test_training_arguments_and_trainer():
    from transformers import Trainer, TrainingArguments

    names = inspect.signature(TrainingArguments).parameters
    assert "eval_strategy" in names and "evaluation_strategy" not in names and "warmup_ratio" not in names
    # 01-grouped-padding and lesson 01's rename list: transformers 5 has no `group_by_length` argument
    assert "group_by_length" not in names
    assert TrainingArguments("out", train_sampling_strategy="group_by_length").train_sampling_strategy == \
        "group_by_length"
    trainer_names = inspect.signature(Trainer).parameters
    assert KEY["processing-class"][0] in trainer_names and "tokenizer" not in trainer_names
    with pytest.raises(ValueError, match="requires the save and eval strategy to match"):
        TrainingArguments("out", eval_strategy="epoch", load_best_model_at_end=True)
    best = TrainingArguments("out", eval_strategy="epoch", save_strategy="epoch", load_best_model_at_end=True)
    assert (best.metric_for_best_model, best.greater_is_better) == ("loss", False)
    assert TrainingArguments("out", metric_for_best_model="f1").greater_is_better is True
    assert TrainingArguments("out", eval_strategy="steps").eval_steps == 500
    steps = 3 * math.ceil(2000 / 32)
    assert TrainingArguments("out", warmup_steps=0.1).get_warmup_steps(steps) == answer("01-warmup-count")
    # the prefixes that 01-eval-prefix and the model answer of 01-validation-and-test name
    assert inspect.signature(Trainer.evaluate).parameters["metric_key_prefix"].default == "eval"
    assert inspect.signature(Trainer.predict).parameters["metric_key_prefix"].default == "test"


def test_graded_eval_strategy_choices():
    """Of the four arguments the graded question offers, only the key's makes the Trainer evaluate per epoch."""
    from transformers import TrainingArguments

    evaluates = set()
    for letter, text in GRADED["eval-strategy"].choices.items():
        name, value = re.fullmatch(r'`(\w+)="(\w+)"`', text).groups()
        try:
            args = TrainingArguments("out", **{name: value})
        except TypeError:
            assert name == "evaluation_strategy"  # removed in transformers 5
            continue
        if args.eval_strategy == "epoch":
            evaluates.add(letter)
    assert evaluates == {KEY["eval-strategy"]}


def test_graded_predict_call(tmp_path):
    """Of the graded question's four calls, only the key's returns predictions, label ids and metrics."""
    from transformers import Trainer, TrainingArguments
    from transformers.trainer_utils import PredictionOutput

    import datasets

    model = tiny_classifier()
    dataset = datasets.Dataset.from_dict({"input_ids": [[1, 2, 3]] * 4, "label": [0, 1, 0, 1]})
    trainer = Trainer(model=model, args=TrainingArguments(str(tmp_path), report_to="none", use_cpu=True))
    output = trainer.predict(dataset)
    assert isinstance(output, PredictionOutput) and output.predictions.shape[0] == len(dataset)
    assert output.label_ids is not None and any(k.startswith("test_") for k in output.metrics)
    assert isinstance(trainer.evaluate(dataset), dict)  # metrics only
    assert "predict(" in GRADED["predict-call"].choices[KEY["predict-call"]]


def tiny_classifier():
    from transformers import BertConfig, BertForSequenceClassification

    return BertForSequenceClassification(BertConfig(vocab_size=8, hidden_size=8, num_hidden_layers=1,
                                                    num_attention_heads=1, intermediate_size=8))


def test_graded_training_steps_and_effective_batch(tmp_path):
    """What `trainer.train()` would plan, read from the Trainer itself (nothing is trained)."""
    import datasets
    from transformers import Trainer, TrainingArguments

    rows = datasets.Dataset.from_dict({"input_ids": [[1, 2]] * 2000, "label": [0] * 2000})
    args = TrainingArguments(str(tmp_path), per_device_train_batch_size=16, gradient_accumulation_steps=1,
                             num_train_epochs=3, use_cpu=True, report_to="none")
    trainer = Trainer(model=tiny_classifier(), args=args, train_dataset=rows)
    *_, max_steps = trainer.set_initial_training_values(args, trainer.get_train_dataloader())
    assert max_steps == KEY["total-steps"]
    args = TrainingArguments(str(tmp_path), per_device_train_batch_size=16, gradient_accumulation_steps=4,
                             use_cpu=True, report_to="none")  # one device
    trainer = Trainer(model=tiny_classifier(), args=args, train_dataset=rows)
    assert args.world_size == 1 and trainer.get_total_train_batch_size(args) == KEY["effective-batch"]


def test_datasets_facts():
    import datasets

    datasets.disable_progress_bars()
    calls = []
    rows = datasets.Dataset.from_dict({"text": ["x"] * 10201, "label": [0, 1] * 5100 + [0]})
    rows.map(lambda batch: calls.append(1) or {}, batched=True)
    assert len(calls) == KEY["batch-calls"]
    assert rows.train_test_split(test_size=0.2, seed=42)["test"].num_rows == KEY["split-size"]
    assert inspect.signature(datasets.Dataset.train_test_split).parameters["shuffle"].default is True
    with pytest.raises(ValueError, match="only supported for ClassLabel column"):
        rows.train_test_split(test_size=0.1, stratify_by_column="label")


def test_graded_stratify_fixes():
    """Each fix the graded question offers, tried: the key lists exactly those after which stratifying works."""
    import datasets

    datasets.disable_progress_bars()
    rows = datasets.Dataset.from_dict({"text": ["x"] * 200, "label": [0, 1] * 100})

    def set_format(d):
        d.set_format("torch")
        return d

    fixes = {"set_format": set_format, "class_encode_column": lambda d: d.class_encode_column("label"),
             "shuffle": lambda d: d.shuffle(seed=42),
             "cast_column": lambda d: d.cast_column("label", datasets.ClassLabel(names=["negative", "positive"]))}
    works = set()
    for letter, text in GRADED["stratify-fix"].choices.items():
        method = next(name for name in fixes if f".{name}(" in text)
        try:
            fixes[method](rows).train_test_split(test_size=0.1, stratify_by_column="label", seed=0)
        except ValueError as err:
            assert "only supported for ClassLabel column" in str(err)
        else:
            works.add(letter)
    assert works == set(KEY["stratify-fix"])


def test_datasets_5_refuses_loading_scripts(tmp_path, monkeypatch):
    import datasets

    folder = tmp_path / "my_reviews"
    folder.mkdir()
    (folder / "my_reviews.py").write_text("import datasets\n")
    (folder / "train.csv").write_text("text,label\ngood,1\n")  # data next to it is not loaded instead
    monkeypatch.chdir(tmp_path)
    for options in ({}, {"trust_remote_code": True}):
        with pytest.raises(RuntimeError, match="Dataset scripts are no longer supported, but found my_reviews.py"):
            datasets.load_dataset("my_reviews", **options)
    assert key_choice("loading-scripts").startswith("It raises an error: loading scripts are no longer supported")


def minilm_classifier(num_labels, device="meta"):
    """A random model with the course encoder's shapes: 6 layers, hidden size 384."""
    import torch
    from transformers import BertConfig, BertForSequenceClassification

    config = BertConfig(vocab_size=64, hidden_size=384, num_hidden_layers=6, num_attention_heads=12,
                        intermediate_size=1536, num_labels=num_labels)
    with torch.device(device):
        return BertForSequenceClassification(config)


@pytest.mark.parametrize("expected, labels, settings", [
    (lambda: KEY["minilm-qv"], 2, {"r": 8, "target_modules": ["query", "value"]}),
    (lambda: KEY["minilm-qkv"], 5, {"r": 16, "target_modules": ["query", "key", "value"]}),
    (lambda: answer("03-target-dense"), 2, {"r": 4, "target_modules": ["dense"]}),
], ids=["graded minilm-qv", "graded minilm-qkv", "03-target-dense"])
def test_lora_parameter_counts(expected, labels, settings):
    from peft import LoraConfig, TaskType, get_peft_model

    model = get_peft_model(minilm_classifier(labels), LoraConfig(task_type=TaskType.SEQ_CLS, **settings))
    assert model.get_nb_trainable_parameters()[0] == expected()


def test_graded_lora_on_one_linear_layer():
    import torch
    from peft import LoraConfig, get_peft_model

    class OneLayer(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.proj = torch.nn.Linear(4096, 4096)

        def forward(self, x):
            return self.proj(x)

    with torch.device("meta"):
        layer = OneLayer()
    model = get_peft_model(layer, LoraConfig(r=8, target_modules=["proj"]))
    assert model.get_nb_trainable_parameters()[0] == KEY["linear-params"]


def test_graded_what_trains():
    """The trainable parameters of the graded question's model, sorted under its choices."""
    from peft import LoraConfig, TaskType, get_peft_model

    model = get_peft_model(minilm_classifier(2), LoraConfig(task_type=TaskType.SEQ_CLS,
                                                            target_modules=["query", "value"]))

    def choice(name):
        if ".lora_A." in name or ".lora_B." in name:
            return "a" if re.search(r"\.(query|value)\.lora_", name) else "other"
        if "classifier" in name:
            return "c"
        if "LayerNorm" in name:
            return "d"
        return "b" if re.search(r"\.(query|value)\.", name) else "other"

    trained = {choice(name) for name, p in model.named_parameters() if p.requires_grad}
    assert trained == set(KEY["what-trains"])
    choices = GRADED["what-trains"].choices
    assert "lora_A and lora_B" in choices["a"] and "classifier head" in choices["c"]


def test_lora_defaults_scaling_and_merge():
    from peft import LoraConfig, TaskType, get_peft_model

    model = get_peft_model(minilm_classifier(2, "cpu"), LoraConfig(task_type=TaskType.SEQ_CLS, r=8, lora_alpha=16))
    assert model.peft_config["default"].target_modules == {"query", "value"}
    query = model.base_model.model.bert.encoder.layer[0].attention.self.query
    assert query.scaling["default"] == answer("03-scaling")
    assert not query.lora_B["default"].weight.any()
    rs = get_peft_model(minilm_classifier(2), LoraConfig(r=16, lora_alpha=16, use_rslora=True))
    assert rs.base_model.model.bert.encoder.layer[0].attention.self.query.scaling["default"] == answer("03-rslora")
    base_size = minilm_classifier(2).num_parameters()
    assert model.merge_and_unload().num_parameters() == base_size


def small_lora(**options):
    """(base model, LoRA model) of a small random classifier, the base model's outputs kept apart."""
    import copy

    import torch
    from peft import LoraConfig, TaskType, get_peft_model
    from transformers import BertConfig, BertForSequenceClassification

    torch.manual_seed(0)
    base = BertForSequenceClassification(BertConfig(vocab_size=32, hidden_size=32, num_hidden_layers=2,
                                                    num_attention_heads=2, intermediate_size=32))
    model = get_peft_model(copy.deepcopy(base), LoraConfig(task_type=TaskType.SEQ_CLS, r=4, lora_alpha=8, **options))
    return base.eval(), model.eval()


def lora_layers(model):
    return [m for m in model.modules() if hasattr(m, "lora_A") and "default" in getattr(m, "lora_A", {})]


def test_lora_initialisation_as_the_open_answer_states():
    """03-zero-b: B starts at zero and A random (Kaiming-uniform); only B gets a gradient at first;
    both at zero learn nothing; init_lora_weights=False perturbs the model; gaussian and pissa."""
    import torch

    assert inspect.signature(__import__("peft").LoraConfig).parameters["init_lora_weights"].default is True
    inputs = {"input_ids": torch.tensor([[1, 5, 7, 2]]), "labels": torch.tensor([1])}
    base, model = small_lora()
    assert torch.equal(model(**inputs).logits, base(**inputs).logits), "a no-op before training"
    for layer in lora_layers(model):
        a, b = layer.lora_A["default"].weight, layer.lora_B["default"].weight
        assert not b.any() and a.all()
        assert a.abs().max() <= 1 / math.sqrt(a.shape[1])  # kaiming_uniform_(a=sqrt(5)): U(-1/sqrt(in), 1/sqrt(in))
    model.train()
    model(**inputs).loss.backward()
    for layer in lora_layers(model):
        assert layer.lora_B["default"].weight.grad.any() and not layer.lora_A["default"].weight.grad.any()

    _, stuck = small_lora()
    for layer in lora_layers(stuck):
        torch.nn.init.zeros_(layer.lora_A["default"].weight)
    stuck.train()
    stuck(**inputs).loss.backward()
    assert not any(p.grad.any() for layer in lora_layers(stuck)
                   for p in (layer.lora_A["default"].weight, layer.lora_B["default"].weight))

    base, noisy = small_lora(init_lora_weights=False)
    assert all(layer.lora_B["default"].weight.any() for layer in lora_layers(noisy))
    assert not torch.allclose(noisy(**inputs).logits, base(**inputs).logits)
    _, gaussian = small_lora(init_lora_weights="gaussian")
    a_values = torch.cat([layer.lora_A["default"].weight.flatten() for layer in lora_layers(gaussian)])
    assert not any(layer.lora_B["default"].weight.any() for layer in lora_layers(gaussian))
    assert a_values.std().item() == pytest.approx(1 / 4, rel=0.15)  # r=4
    base, pissa = small_lora(init_lora_weights="pissa")
    assert all(layer.lora_B["default"].weight.any() for layer in lora_layers(pissa))
    assert torch.allclose(pissa(**inputs).logits, base(**inputs).logits, atol=1e-4)


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


def test_graded_metric_choices():
    """entity-level: seqeval counts an entity only when type and whole span match; average-choice: macro F1
    is the unweighted mean of the per-class scores, and the only average that weighs rare classes as much."""
    from seqeval.metrics import f1_score as entity_f1
    from sklearn.metrics import f1_score

    reference = [["B-PER", "I-PER", "O", "B-LOC"]]
    assert entity_f1(reference, [["B-PER", "I-PER", "O", "B-LOC"]]) == 1.0
    assert entity_f1(reference, [["B-PER", "O", "O", "B-LOC"]]) == 0.5  # the first token alone: not PER
    assert entity_f1(reference, [["B-ORG", "I-ORG", "O", "B-LOC"]]) == 0.5  # span right, type wrong
    assert entity_f1([["B-PER", "I-PER", "I-PER", "O"]], [["B-PER", "I-PER", "O", "O"]]) == 0  # most tokens right
    assert key_choice("entity-level") == "When its type and its whole span match a reference entity."

    references = [0] * 80 + [1] * 15 + [2] * 5
    predictions = [0] * 80 + [1] * 10 + [0] * 5 + [2] + [0] * 4
    per_class = f1_score(references, predictions, average=None)
    assert f1_score(references, predictions, average="macro") == pytest.approx(per_class.mean())
    assert f1_score(references, predictions, average="weighted") > f1_score(references, predictions, average="macro")
    assert key_choice("average-choice").startswith('`"macro"`: the unweighted mean of the per-class F1')


def test_confidence_interval_as_the_open_answer_states():
    """04-confidence-interval: its numbers for 0.85 on 1,276 reviews, a seeded bootstrap agrees, and
    evaluate's evaluators offer strategy="bootstrap"."""
    import importlib

    import numpy as np

    model_answer = answer("04-confidence-interval")
    p, n = 0.85, 1276
    standard_error = math.sqrt(p * (1 - p) / n)
    assert round(standard_error, 3) == 0.010 and round(1.96 * standard_error, 2) == 0.02
    assert (round(p - 1.96 * standard_error, 2), round(p + 1.96 * standard_error, 2)) == (0.83, 0.87)
    assert "from 0.83 to 0.87" in model_answer and "≈ 0.010" in model_answer
    correct = np.array([1] * 1085 + [0] * (n - 1085), dtype=float)  # 1085 / 1276 ≈ 0.850
    resamples = correct[np.random.default_rng(0).integers(0, n, size=(2000, n))].mean(axis=1)
    low, high = np.quantile(resamples, [0.025, 0.975])
    assert (round(low, 2), round(high, 2)) == (0.83, 0.87)
    assert math.isclose(1.96 * math.sqrt(p * (1 - p) / (4 * n)), 1.96 * standard_error / 2)  # 4x the data, half

    compute = importlib.import_module("evaluate.evaluator.base").Evaluator.compute
    parameters = inspect.signature(compute).parameters
    assert parameters["strategy"].default == "simple" and "bootstrap" in str(parameters["strategy"].annotation)
    assert 'strategy="bootstrap"' in model_answer


# --- lesson 05: the chat model's files, collators, generation, LoRA on a decoder, TRL -------------------------
# The tokenizer, chat template and configs are the course's own SmolLM2-135M-Instruct files (read, never
# changed); the models are small random Llamas, or the chat model's shapes on the meta device.

def chat_dir():
    from conftest import REAL_HOME
    from ftcourse.shared import assets

    return REAL_HOME / "assets" / assets.CHAT_MODEL.name


def chat_tokenizer():
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(chat_dir())


def small_llama(vocab=64, **sizes):
    """A random Llama-style causal LM on the CPU, small except where `sizes` says otherwise."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    config = LlamaConfig(**{"hidden_size": 16, "num_attention_heads": 2, "num_key_value_heads": 1, "head_dim": 8,
                            "intermediate_size": 32, "num_hidden_layers": 1, "vocab_size": vocab,
                            "max_position_embeddings": 8192, "tie_word_embeddings": True, "pad_token_id": 2,
                            "bos_token_id": 1, "eos_token_id": 2, **sizes})
    return LlamaForCausalLM(config).eval()


def test_chat_model_sizes_and_logits():
    import json

    import torch
    from transformers import AutoConfig

    config = AutoConfig.from_pretrained(chat_dir())
    assert (config.num_hidden_layers, config.hidden_size, config.num_attention_heads, config.num_key_value_heads,
            config.head_dim, config.intermediate_size, config.vocab_size) == (30, 576, 9, 3, 64, 1536, 49152)
    assert config.tie_word_embeddings and config.eos_token_id == config.pad_token_id == 2
    generation = json.loads((chat_dir() / "generation_config.json").read_text())
    assert generation["eos_token_id"] == 2
    assert not {"max_length", "max_new_tokens", "do_sample", "temperature", "top_p"} & set(generation)
    model = small_llama(vocab=config.vocab_size)
    with torch.no_grad():
        logits = model(input_ids=torch.arange(3, 15).unsqueeze(0)).logits
    assert tuple(logits.shape) == (1, 12, 49152) and logits.numel() == answer("05-logits-size")


def test_chat_template_as_the_questions_state():
    from transformers import BatchEncoding

    tokenizer = chat_tokenizer()
    assert tokenizer.pad_token == tokenizer.eos_token == "<|im_end|>" and tokenizer.pad_token_id == 2
    assert tokenizer.padding_side == "right"
    assert 1 not in tokenizer("Hi there")["input_ids"], "the tokenizer adds no start token of its own"
    user = [{"role": "user", "content": "Hi"}]
    text = tokenizer.apply_chat_template(user, tokenize=False)
    assert text.startswith("<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face"
                           "<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n")
    prompt = tokenizer.apply_chat_template(user, tokenize=False, add_generation_prompt=True)
    assert prompt == text + "<|im_start|>assistant\n"
    defaults = inspect.signature(tokenizer.apply_chat_template).parameters
    assert defaults["tokenize"].default is True and defaults["return_dict"].default is True
    found = tokenizer.apply_chat_template(user)
    assert isinstance(found, BatchEncoding) and set(found) == {"input_ids", "attention_mask"}

    conversation = [{"role": "user", "content": "Name a colour."}, {"role": "assistant", "content": "Blue."}]
    ids = tokenizer.apply_chat_template(conversation)["input_ids"]
    prompt_ids = tokenizer.apply_chat_template(conversation[:1], add_generation_prompt=True)["input_ids"]
    assert ids[:len(prompt_ids)] == prompt_ids
    trained = tokenizer.convert_ids_to_tokens(ids[len(prompt_ids):])
    assert trained == ["Blue", ".", "<|im_end|>", "Ċ"] and len(trained) == answer("05-trained-tokens")
    # 05-assistant-prefix: a header the model wrote itself survives skip_special_tokens but for <|im_start|>
    before = tokenizer.apply_chat_template(conversation[:1], tokenize=False)  # no generation prompt
    header = tokenizer.apply_chat_template(conversation, tokenize=False)[len(before):]
    assert header == "<|im_start|>assistant\nBlue.<|im_end|>\n"
    written = tokenizer(header, add_special_tokens=False)["input_ids"]
    assert tokenizer.decode(written, skip_special_tokens=True) == "assistant\nBlue.\n"


def collated(collator, examples):
    try:
        return collator(examples)
    except ValueError:
        return None


def encoded(length, prompt, end=2):
    """An encoded example: `length` ids ending in <|im_end|> and a newline, the first `prompt` labels -100."""
    ids = [100 + i for i in range(length - 2)] + [end, 198]
    return {"input_ids": ids, "attention_mask": [1] * length, "labels": [-100] * prompt + ids[prompt:]}


def test_collators_as_the_questions_state():
    """05-masked-count, 05-lm-collator-labels, 05-never-stops and the graded label-collator, with the chat
    model's tokenizer."""
    import torch
    from transformers import (DataCollatorForLanguageModeling, DataCollatorForSeq2Seq, DataCollatorWithPadding,
                              default_data_collator)

    tokenizer = chat_tokenizer()
    pair = [encoded(48, 41), encoded(60, 51)]
    batch = DataCollatorForSeq2Seq(tokenizer)(pair)
    assert tuple(batch["labels"].shape) == (2, 60)
    assert int((batch["labels"] == -100).sum()) == answer("05-masked-count")
    assert batch["attention_mask"][0, 48:].eq(0).all() and batch["input_ids"][0, 48:].eq(2).all()

    lm = DataCollatorForLanguageModeling(tokenizer, mlm=False)
    plain = lm([{k: v for k, v in example.items() if k != "labels"} for example in pair])
    ids, labels = plain["input_ids"], plain["labels"]
    assert torch.equal(labels == -100, ids == 2), "every <|im_end|>, padding or not, loses its label"
    assert torch.equal(labels[ids != 2], ids[ids != 2]), "the prompt is trained again"
    assert (labels[:, :41] != -100).all()
    assert set(engine.question("05-lm-collator-labels").answer) == {0, 2}

    works = set()
    collators = {"DataCollatorWithPadding": DataCollatorWithPadding(tokenizer),
                 "DataCollatorForLanguageModeling": lm, "DataCollatorForSeq2Seq": DataCollatorForSeq2Seq(tokenizer),
                 "default_data_collator": default_data_collator}
    for letter, text in GRADED["label-collator"].choices.items():
        name = next(n for n in collators if f"`{n}" in text)
        found = collated(collators[name], pair)
        kept = found is not None and all(found["labels"][i, :len(e["labels"])].tolist() == e["labels"]
                                          for i, e in enumerate(pair))
        if kept and (found["labels"][0, 48:] == -100).all():
            works.add(letter)
    assert works == {KEY["label-collator"]}


def test_generation_as_the_questions_state():
    """05-output-length, 05-prompt-in-output, 05-greedy-for-eval: transformers' defaults with this model's
    generation config."""
    import torch
    from transformers import GenerationConfig

    model = small_llama()
    model.generation_config = GenerationConfig.from_pretrained(chat_dir())
    prompt = torch.randint(3, 64, (1, 150), generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        output = model.generate(input_ids=prompt, attention_mask=torch.ones_like(prompt), suppress_tokens=[2])
    assert output.shape[1] == answer("05-output-length") and torch.equal(output[0, :150], prompt[0])
    assert GenerationConfig._get_default_generation_params()["do_sample"] is False
    with torch.no_grad():
        again = model.generate(input_ids=prompt, attention_mask=torch.ones_like(prompt), suppress_tokens=[2])
    assert torch.equal(output, again), "greedy decoding repeats itself"


def test_the_model_shifts_the_labels():
    """05-shifted-labels: labels aligned with input_ids train the next token; shifted ones, the one after."""
    import torch
    import torch.nn.functional as F

    model = small_llama()
    ids = torch.randint(3, 64, (1, 20), generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        logits = model(input_ids=ids).logits[0]
        aligned = model(input_ids=ids, labels=ids).loss
        shifted = model(input_ids=ids, labels=torch.cat([ids[:, 1:], torch.tensor([[-100]])], dim=1)).loss
    assert aligned.item() == pytest.approx(F.cross_entropy(logits[:-1], ids[0, 1:]).item(), rel=1e-5)
    assert shifted.item() == pytest.approx(F.cross_entropy(logits[:-2], ids[0, 2:]).item(), rel=1e-5)


def meta_chat_model(**changes):
    import torch
    from transformers import AutoConfig, LlamaForCausalLM

    config = AutoConfig.from_pretrained(chat_dir())
    for name, value in changes.items():
        setattr(config, name, value)
    with torch.device("meta"):
        return LlamaForCausalLM(config)


@pytest.mark.parametrize("expected, settings, wrong", [
    (lambda: answer("05-kv-count"), {"r": 8, "target_modules": ["k_proj", "v_proj"]}, "05-kv-count"),
    (lambda: answer("05-all-linear-count"), {"r": 16, "target_modules": "all-linear"}, "05-all-linear-count"),
    (lambda: KEY["gqa-qkv-params"], {"r": 16, "target_modules": ["q_proj", "k_proj", "v_proj"]}, None),
], ids=["05-kv-count", "05-all-linear-count", "graded gqa-qkv-params"])
def test_decoder_lora_counts(expected, settings, wrong):
    """The counts on the chat model's own shapes, and the grouped-query slip: k and v as wide as q."""
    from peft import LoraConfig, TaskType, get_peft_model

    model = get_peft_model(meta_chat_model(), LoraConfig(task_type=TaskType.CAUSAL_LM, **settings))
    assert model.get_nb_trainable_parameters()[0] == expected()
    assert all("lora_" in name for name, p in model.named_parameters() if p.requires_grad), "no head trains"
    assert not any(name.startswith("base_model.model.lm_head.lora") for name, _ in model.named_parameters())
    no_gqa = get_peft_model(meta_chat_model(num_key_value_heads=9), LoraConfig(task_type=TaskType.CAUSAL_LM,
                                                                              **settings))
    if wrong:
        assert no_gqa.get_nb_trainable_parameters()[0] in [w for w, _ in engine.question(wrong).wrong]
    if settings["target_modules"] == "all-linear":  # "all-linear" leaves the output layer out
        names = sorted(model.peft_config["default"].target_modules) + ["lm_head"]
        with_head = get_peft_model(meta_chat_model(), LoraConfig(task_type=TaskType.CAUSAL_LM, r=16,
                                                                 target_modules=names))
        assert with_head.get_nb_trainable_parameters()[0] in [w for w, _ in engine.question(wrong).wrong]
    else:
        assert no_gqa.get_nb_trainable_parameters()[0] != KEY["gqa-qkv-params"]


def test_causal_lm_lora_defaults_and_merge():
    """05-no-new-head and 05-merged-model: nothing but the adapters trains, and merging gives a plain Llama;
    05-qlora-what: a 4-bit load leaves the output layer unquantized."""
    from peft import LoraConfig, TaskType, get_peft_model
    from transformers import LlamaForCausalLM
    from transformers.quantizers.base import get_keys_to_not_convert

    model = get_peft_model(meta_chat_model(), LoraConfig(task_type=TaskType.CAUSAL_LM, r=8))
    assert model.peft_config["default"].target_modules == {"q_proj", "v_proj"}
    assert model.peft_config["default"].modules_to_save is None
    assert "lm_head" in get_keys_to_not_convert(meta_chat_model())
    base = small_llama()
    size = base.num_parameters()
    merged = get_peft_model(base, LoraConfig(task_type=TaskType.CAUSAL_LM, r=4)).merge_and_unload()
    assert type(merged) is LlamaForCausalLM and merged.num_parameters() == size


def test_sft_config_defaults():
    """05-sft-cpu-bf16 and the graded sft-defaults: each choice tried against TRL's and transformers' defaults."""
    import torch
    from transformers import TrainingArguments
    from trl import SFTConfig

    with pytest.warns(FutureWarning):  # gradient_checkpointing is an alias of activation_checkpointing now
        sft = SFTConfig("out", use_cpu=True, report_to="none")
    plain = TrainingArguments("out", report_to="none")
    assert (sft.learning_rate, sft.logging_steps, sft.bf16) == (2e-5, 10, True)
    assert (plain.learning_rate, plain.logging_steps, plain.bf16) == (5e-5, 500, False)
    assert sft.activation_checkpointing is True and not plain.activation_checkpointing
    assert sft.completion_only_loss is None and sft.assistant_only_loss is False
    choices = {"learning_rate=2e-5": lambda c: c.learning_rate == 2e-5,
               "per_device_train_batch_size=1": lambda c: c.per_device_train_batch_size == 1,
               "gradient checkpointing turned on": lambda c: bool(c.activation_checkpointing),
               "num_train_epochs=1": lambda c: c.num_train_epochs == 1}
    differs = set()
    for letter, text in GRADED["sft-defaults"].choices.items():
        holds = next(check for name, check in choices.items() if name in text)
        if holds(sft) and not holds(plain):
            differs.add(letter)
    assert differs == set(KEY["sft-defaults"])
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="Your setup doesn't support bf16/gpu"):
            SFTConfig("out", report_to="none")
        assert SFTConfig("out", bf16=False, report_to="none").bf16 is False


def test_sft_trainer_masks_the_prompt_and_refuses_assistant_only_loss(tmp_path):
    """05-sft-completion and 05-assistant-only, on a small random model with the chat model's tokenizer."""
    import datasets
    from trl import SFTConfig, SFTTrainer

    datasets.disable_progress_bars()
    tokenizer = chat_tokenizer()
    user, reply = [{"role": "user", "content": "Name a colour."}], [{"role": "assistant", "content": "Blue."}]
    args = dict(output_dir=str(tmp_path), use_cpu=True, bf16=False, report_to="none", activation_checkpointing=False)
    trainer = SFTTrainer(model=small_llama(vocab=len(tokenizer)), args=SFTConfig(**args), processing_class=tokenizer,
                         train_dataset=datasets.Dataset.from_list([{"prompt": user, "completion": reply}]))
    row = trainer.train_dataset[0]
    ids = tokenizer.apply_chat_template(user + reply)["input_ids"]
    masked = len(tokenizer.apply_chat_template(user, add_generation_prompt=True)["input_ids"])
    assert list(row["input_ids"]) == ids
    assert list(row["labels"]) == [-100] * masked + ids[masked:]
    assert len(ids) - masked == answer("05-trained-tokens")
    with pytest.raises(ValueError, match="not training-compatible"):
        SFTTrainer(model=small_llama(vocab=len(tokenizer)), processing_class=tokenizer,
                   args=SFTConfig(**args, assistant_only_loss=True),
                   train_dataset=datasets.Dataset.from_list([{"messages": user + reply}]))
