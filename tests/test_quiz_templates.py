"""Fresh numbers: every template's solver (and the mistakes a library can compute) checked against the
pinned libraries on many draws, and template questions drawn anew on each attempt in the engine, the
terminal and the widget. Models are tiny and randomly initialised from a config: nothing is downloaded."""
import math
import random

import pytest

from ftcourse.quiz import engine, templates

DRAWS = 25


def draws(name, count=DRAWS):
    rng = random.Random(f"test:{name}")
    return [templates.draw(name, rng) for _ in range(count)]


def test_every_template_is_checked_here_and_its_draws_are_fresh():
    checked = {"padding_tokens", "warmup_steps", "total_steps", "accuracy_logits", "split_size", "batch_calls",
               "lora_count", "lora_scaling", "rslora_scaling", "rank_factor", "binary_f1", "macro_f1",
               "majority_baseline", "rouge2", "seqeval_f1", "decoder_lora_count"}
    assert set(templates.TEMPLATES) == checked, "a new template needs its library check below"
    for name, template in templates.TEMPLATES.items():
        values = draws(name, 12)
        assert len({repr(v["answer"]) for v in values}) >= 3, f"{name}: the draws hardly change the answer"
        for v in values:  # every mistake gives a number other than the answer, or none
            for slip, compute in template.mistakes.items():
                wrong = compute(v)
                assert wrong is None or isinstance(wrong, (int, float)), (name, slip)


# --- lesson 01 -------------------------------------------------------------------------------------------

def training_steps(examples, batch, accumulation, epochs):
    """The optimizer steps that transformers' Trainer plans for this training, from its own code."""
    from types import SimpleNamespace

    from torch.utils.data import DataLoader
    from transformers import Trainer, TrainingArguments

    args = TrainingArguments("out", per_device_train_batch_size=batch, gradient_accumulation_steps=accumulation,
                             num_train_epochs=epochs, report_to="none")
    stub = SimpleNamespace(get_total_train_batch_size=lambda a: batch * accumulation, get_sp_size=lambda: 1,
                           num_examples=lambda loader: len(loader.dataset))
    loader = DataLoader(range(examples), batch_size=batch)
    return Trainer.set_initial_training_values(stub, args, loader)[-1], args


def test_total_and_warmup_steps_match_the_trainer():
    from transformers import TrainingArguments

    for v in draws("total_steps", 10):
        steps, _ = training_steps(v["examples"], v["batch"], v["accumulation"], v["epochs"])
        assert steps == v["answer"], v
    for v in draws("warmup_steps", 10):
        steps, _ = training_steps(v["examples"], v["batch"], 1, v["epochs"])
        assert steps == v["steps"], v
        args = TrainingArguments("out", warmup_steps=float(v["fraction"]), report_to="none")
        assert args.get_warmup_steps(steps) == v["answer"], v
        assert v["answer"] - 1 == templates.WARMUP.mistakes["floor"](v), "the draw avoids whole products"


def test_padding_matches_the_data_collator():
    from tokenizers import Tokenizer
    from tokenizers.models import WordLevel
    from tokenizers.pre_tokenizers import Whitespace
    from transformers import DataCollatorWithPadding, PreTrainedTokenizerFast

    backend = Tokenizer(WordLevel({"[PAD]": 0, "[UNK]": 1, "w": 2}, unk_token="[UNK]"))
    backend.pre_tokenizer = Whitespace()
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=backend, pad_token="[PAD]", unk_token="[UNK]")
    collate = DataCollatorWithPadding(tokenizer)
    for v in draws("padding_tokens", 10):
        batch = collate([tokenizer(" ".join(["w"] * n)) for n in v["lengths"]])
        assert int((batch["attention_mask"] == 0).sum()) == v["answer"], v
        assert batch["input_ids"].numel() == templates.PADDING.mistakes["padded_size"](v)


def test_accuracy_from_logits_matches_argmax_and_sklearn():
    import numpy as np
    from sklearn.metrics import accuracy_score

    for v in draws("accuracy_logits"):
        predicted = np.argmax(np.array(v["logits"]), axis=-1)
        assert accuracy_score(v["labels"], predicted) == pytest.approx(v["answer"]), v


# --- lesson 02 -------------------------------------------------------------------------------------------

def test_split_sizes_match_datasets():
    from datasets import Dataset

    for v in draws("split_size"):
        split = Dataset.from_dict({"i": list(range(v["rows"]))}).train_test_split(test_size=float(v["test_size"]),
                                                                                  seed=0)
        assert (len(split["test"]), len(split["train"])) == (v["answer"], v["train"]), v
        assert templates.SPLIT.mistakes["floor"](v) == v["answer"] - 1


def test_map_calls_match_datasets():
    from datasets import Dataset

    for v in draws("batch_calls", 8):
        calls = []

        def count(batch):
            calls.append(len(batch["i"]))
            return batch

        options = {"batch_size": v["batch_size"]} if v["batch_size"] else {}
        Dataset.from_dict({"i": list(range(v["rows"]))}).map(count, batched=True, **options)
        assert len(calls) == v["answer"] and calls[-1] == v["last"], v


# --- lesson 03 -------------------------------------------------------------------------------------------

def tiny_classifier(hidden=32, layers=2, labels=2):
    import torch
    from transformers import BertConfig, BertForSequenceClassification

    torch.manual_seed(0)
    config = BertConfig(hidden_size=hidden, num_hidden_layers=layers, num_attention_heads=2,
                        intermediate_size=4 * hidden, vocab_size=64, max_position_embeddings=16, num_labels=labels)
    return BertForSequenceClassification(config)


def peft_model(v, **extra):
    from peft import LoraConfig, TaskType, get_peft_model

    config = LoraConfig(task_type=TaskType.SEQ_CLS, r=v["r"], target_modules=list(v["targets"]), **extra)
    return get_peft_model(tiny_classifier(v["hidden"], v["layers"], v["labels"]), config)


def test_the_encoder_layout_is_bert_s():
    import torch

    model = tiny_classifier(hidden=32, layers=2)
    linears = {name: (m.in_features, m.out_features) for name, m in model.named_modules()
               if isinstance(m, torch.nn.Linear) and name != "classifier"}
    assert linears == templates.encoder_linears(32, 2)


@pytest.mark.parametrize("targets", templates.TARGET_SETS, ids="+".join)
def test_lora_counts_match_peft(targets):
    """The solver on small inputs (the drawn sizes are BERT's; the rule is the same) against peft's count."""
    for hidden, layers, labels, r in ((32, 2, 2, 4), (48, 1, 5, 8)):
        v = templates.LORA_COUNT.solve({"hidden": hidden, "layers": layers, "labels": labels, "r": r,
                                        "targets": list(targets)})
        model = peft_model(v)
        trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
        lora = sum(p.numel() for n, p in model.named_parameters() if p.requires_grad and "lora_" in n)
        assert (trainable, lora) == (v["answer"], templates.LORA_COUNT.mistakes["without_head"](v)), (targets, v)
        if targets == ("output.dense",):  # the slip of adapting every "dense" is peft's count for "dense"
            every = peft_model({**v, "targets": ["dense"]})
            assert sum(p.numel() for p in every.parameters() if p.requires_grad) == \
                templates.LORA_COUNT.mistakes["every_dense"](v)


def test_scalings_and_rank_factors_match_peft():
    base = {"hidden": 32, "layers": 1, "labels": 2, "targets": ["query"]}
    for v in draws("lora_scaling", 4):
        layer = peft_model({**base, "r": v["r"]}, lora_alpha=v["alpha"]).base_model.model.bert.encoder.layer[0]
        assert layer.attention.self.query.scaling["default"] == pytest.approx(v["answer"]), v
    for v in draws("rslora_scaling", 3):
        layer = peft_model({**base, "r": v["r"]}, lora_alpha=v["alpha"],
                           use_rslora=True).base_model.model.bert.encoder.layer[0]
        assert layer.attention.self.query.scaling["default"] == pytest.approx(v["answer"]), v
    for v in draws("rank_factor", 3):
        counts = [sum(p.numel() for n, p in peft_model({**base, "r": r}).named_parameters() if "lora_" in n)
                  for r in (v["before"], v["after"])]
        assert counts[1] / counts[0] == pytest.approx(v["answer"]), v


# --- lesson 04 -------------------------------------------------------------------------------------------

def test_f1_scores_match_sklearn():
    from sklearn.metrics import f1_score, precision_score, recall_score

    for v in draws("binary_f1"):
        reference = [1] * v["tp"] + [0] * v["fp"] + [1] * v["fn"]
        predicted = [1] * v["tp"] + [1] * v["fp"] + [0] * v["fn"]
        assert f1_score(reference, predicted) == pytest.approx(v["answer"]), v
        assert precision_score(reference, predicted) == pytest.approx(templates.BINARY_F1.mistakes["precision"](v))
        assert recall_score(reference, predicted) == pytest.approx(templates.BINARY_F1.mistakes["recall"](v))
    for v in draws("macro_f1"):
        reference = [i for i, row in enumerate(v["matrix"]) for j, count in enumerate(row) for _ in range(count)]
        predicted = [j for i, row in enumerate(v["matrix"]) for j, count in enumerate(row) for _ in range(count)]
        assert list(f1_score(reference, predicted, average=None)) == pytest.approx(templates.per_class_f1(v["matrix"]))
        assert v["answer"] == pytest.approx(sum(v["f1"]) / 3) and v["f1"] == [round(f, 2) for f in
                                                                               templates.per_class_f1(v["matrix"])]
        assert abs(v["answer"] - f1_score(reference, predicted, average="macro")) < 0.005, "rounding the table"


def test_majority_baseline_matches_sklearn():
    from sklearn.dummy import DummyClassifier

    for v in draws("majority_baseline", 10):
        labels = [0] * v["negative"] + [1] * v["positive"]
        dummy = DummyClassifier(strategy="most_frequent").fit([[0]] * len(labels), labels)
        assert dummy.score([[0]] * len(labels), labels) == pytest.approx(v["answer"]), v


def test_rouge_matches_rouge_score():
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2"])
    for v in draws("rouge2"):
        scores = scorer.score(v["reference"], v["generated"])
        assert scores["rouge2"].fmeasure == pytest.approx(v["answer"]), v
        assert scores["rouge1"].fmeasure == pytest.approx(templates.ROUGE2.mistakes["rouge1"](v)), v


def test_seqeval_matches_seqeval():
    from seqeval.metrics import accuracy_score, f1_score

    for v in draws("seqeval_f1"):
        assert f1_score([v["reference"]], [v["predicted"]]) == pytest.approx(v["answer"]), v
        assert accuracy_score([v["reference"]], [v["predicted"]]) == pytest.approx(v["token_accuracy"])


# --- lesson 05 -------------------------------------------------------------------------------------------

def meta_llama(v, layers=2):
    """A Llama-style causal LM with the drawn sizes (fewer layers, a tiny vocabulary), on the meta device."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    config = LlamaConfig(hidden_size=v["hidden"], num_attention_heads=v["heads"], num_key_value_heads=v["kv_heads"],
                         head_dim=v["head_dim"], intermediate_size=v["inner"], num_hidden_layers=layers,
                         vocab_size=64, tie_word_embeddings=True)
    with torch.device("meta"):
        return LlamaForCausalLM(config)


def test_the_decoder_layout_is_llama_s():
    import torch

    v = draws("decoder_lora_count", 1)[0]
    linears = {name.split(".")[-1]: (m.in_features, m.out_features) for name, m in meta_llama(v, 1).named_modules()
               if isinstance(m, torch.nn.Linear) and ".layers.0." in name}
    assert linears == templates.decoder_linears(v["hidden"], v["heads"], v["kv_heads"], v["head_dim"], v["inner"])


def test_decoder_lora_counts_match_peft():
    """The solver on the drawn sizes with 2 layers (the rule per layer is the same) against peft's count."""
    from peft import LoraConfig, TaskType, get_peft_model

    for v in draws("decoder_lora_count", 8):
        small = templates.DECODER_LORA_COUNT.solve({**v, "layers": 2})
        model = get_peft_model(meta_llama(v), LoraConfig(task_type=TaskType.CAUSAL_LM, r=v["r"],
                                                         target_modules=list(v["targets"])))
        assert model.get_nb_trainable_parameters()[0] == small["answer"] == 2 * v["per_layer"], v
        if v["kv_heads"] != v["heads"]:  # the slip of giving k_proj and v_proj as many heads as q_proj
            plain = {**v, "kv_heads": v["heads"]}
            without_gqa = get_peft_model(meta_llama(plain), LoraConfig(task_type=TaskType.CAUSAL_LM, r=v["r"],
                                                                       target_modules=list(v["targets"])))
            assert without_gqa.get_nb_trainable_parameters()[0] * v["layers"] // 2 == \
                templates.DECODER_LORA_COUNT.mistakes["no_gqa"](v)


# --- template questions in the quiz ---------------------------------------------------------------------------

FRESH = [q for q in engine.select() if q.template]


def test_each_lesson_has_template_questions_whose_texts_are_filled():
    assert {q.lesson for q in FRESH} == {"01", "02", "03", "04", "05"}
    for q in FRESH:
        for seed in range(20):
            drawn = engine.Quiz(q.lesson, seed=seed).questions
            shown = next(x for x in drawn if x.id == q.id)
            assert "{{" not in shown.prompt + shown.explanation and all("{{" not in why for _, why in shown.wrong)
            assert engine.check(shown, str(shown.answer)).status == "correct"
            for wrong, why in shown.wrong:
                result = engine.check(shown, str(wrong))
                assert result.status == "incorrect" and result.feedback[-1] == why, (q.id, seed)


def test_fresh_numbers_on_every_attempt_and_the_same_ones_for_a_seed():
    q = engine.question("02-test-split-rows-fresh")
    answers = {next(x for x in engine.Quiz("02", seed=s).questions if x.id == q.id).answer for s in range(10)}
    assert len(answers) >= 8, "a new sitting draws new numbers"
    quiz, again = engine.Quiz("02", seed=5), engine.Quiz("02", seed=5)
    first = next(x for x in quiz.questions if x.id == q.id)
    assert first == next(x for x in again.questions if x.id == q.id), "a seed repeats a sitting"
    retried = quiz.redraw(first)
    assert retried.id == first.id and (retried.prompt, retried.answer) != (first.prompt, first.answer)


def test_a_listed_slip_gets_its_explanation():
    quiz = engine.Quiz("03", seed=2)
    q = next(x for x in quiz.questions if x.id == "03-lora-count-fresh")
    without_head = next(value for value, why in q.wrong if why.startswith("That counts only the LoRA matrices"))
    result = quiz.answer(q, f"{without_head:,}")
    assert result.status == "incorrect" and "the classifier" in result.feedback[-1]
    assert f"{q.answer:,}" in result.feedback[0]


def test_the_validator_checks_templates():
    raw = {"id": "01-x", "type": "numeric", "template": "split_size", "prompt": "{{rows}} rows, {{nope}}?",
           "explanation": "Because.", "section": "S", "difficulty": 2}
    assert any("placeholder names no value of template split_size" in p and "'nope'" in p
               for p in engine.question_problems(raw, "01"))
    assert engine.question_problems({**raw, "prompt": "{{rows:,}} rows?"}, "01") == []
    assert engine.question_problems({**raw, "template": "nope"}, "01")[0].startswith("template must be one of")
    assert engine.question_problems({**raw, "prompt": "x", "mistakes": {"ceil": "x"}}, "01") == [
        "template split_size has no mistake 'ceil': use one of floor, train"]
    assert "unknown key `answer`" in engine.question_problems({**raw, "prompt": "x", "answer": 3}, "01")


def test_the_terminal_and_the_widget_draw_fresh_numbers(empty_home):
    import subprocess
    import sys

    import ftcourse
    from conftest import ROOT

    seed = next(s for s in range(200) if engine.Quiz("02", n=1, seed=s).questions[0].template)
    q = engine.Quiz("02", n=1, seed=seed).questions[0]
    done = subprocess.run([sys.executable, "-m", "ftcourse", "quiz", "--lesson", "02", "-n", "1", "--seed", str(seed)],
                          input=f"{q.answer}\n", capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert q.prompt.splitlines()[0] in done.stdout and "Correct." in done.stdout, done.stderr
    widget = ftcourse.quiz("02", seed=seed)
    card = widget.card(q.id)
    before = card.prompt.value
    card.input.value = str(card.question.answer + 1)
    card.check.click()
    card.retry.click()
    assert card.prompt.value != before and "{{" not in card.prompt.value
    card.input.value = str(card.question.answer)
    card.check.click()
    assert "Correct" in card.feedback.value
    assert math.isfinite(card.question.answer)


def test_no_draw_asks_a_graded_question():
    """Fresh numbers practise the skills the graded quiz asks about, never its questions: the ranges
    the templates draw from leave out the graded numbers, so no draw repeats a graded question's text."""
    import graded_quiz

    graded = [" ".join(q.first_line.split()) for q in graded_quiz.questions()]
    for q in FRESH:
        quiz = engine.Quiz(q.lesson, seed=0, only={q.id})
        for _ in range(100):
            drawn = " ".join(quiz.redraw(q).prompt.split())
            assert not [line for line in graded if line in drawn], q.id
