"""Helpers of lesson 05 (instruction-tuning a causal LM): what its tests recompute, and how the grader
scores a saved adapter on articles the lesson never uses.

Everything here is computed from the course's own model, tokenizer and data, never from a student's
variables. Failure messages say where an answer differs (a role, a token position) without printing
the expected value when that value is the answer.
"""
import functools
from pathlib import Path

from ...shared import portable
from ...shared.lora_config import config_differences as _differences
from ...shared.scoring import quiet
from ...student.checks import describe, expect, is_number  # noqa: F401 - the lesson's tests use them
from .headlines import INSTRUCTION, TRAINING_ROWS, grading_rows, recipe_for  # noqa: F401

RUN_DIR = "runs/05_instruction_tuning"
ADAPTER_DIR = f"{RUN_DIR}/adapter"
EXERCISE_CONFIG = {"task_type": "CAUSAL_LM", "r": 8, "lora_alpha": 16, "lora_dropout": 0.05,
                   "target_modules": {"q_proj", "v_proj"}, "bias": "none"}  # the LoraConfig of exercise 4
IGNORE = -100  # the label that the loss skips (PyTorch's cross_entropy ignore_index)
LLAMA_LINEARS = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")
SIZE_FIELDS = ("hidden_size", "num_attention_heads", "num_key_value_heads", "head_dim", "intermediate_size",
               "num_hidden_layers")


# --- the course's model and tokenizer -----------------------------------------------------------

@functools.lru_cache(maxsize=2)
def _tokenizer(model_dir: str):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(model_dir)


def course_tokenizer(course):
    """The chat model's tokenizer (with its chat template)."""
    return _tokenizer(course.chat_model_dir)


def chat_config(course):
    """The chat model's config (no weights loaded)."""
    from transformers import AutoConfig

    return AutoConfig.from_pretrained(course.chat_model_dir)


def base_model(course):
    """A fresh copy of the pretrained chat model, in evaluation mode, on the course's device. The
    grader may hand it to a student's function: it travels as the lesson's `model`."""
    from transformers import AutoModelForCausalLM

    with quiet():
        model = AutoModelForCausalLM.from_pretrained(course.chat_model_dir).to(course.device)
    model.ftcourse_pristine = course.chat_model_dir  # reference_headline may reuse what it generated
    return portable.offer("model", model.eval())


# --- exercise 1: messages -----------------------------------------------------------------------

def user_text(article: str) -> str:
    """What the user says: the instruction, a blank line, the article."""
    return f"{INSTRUCTION}\n\n{article}"


def messages(article: str, headline=None) -> list:
    """The conversation of one article: the user's request, and the headline as the answer if given."""
    found = [{"role": "user", "content": user_text(article)}]
    return found + ([{"role": "assistant", "content": headline}] if headline is not None else [])


def first_training_row(course) -> dict:
    from .headlines import load_headlines

    return load_headlines(recipe_for(course.profile))["train"][0]


# What an answer cell may read when the grader runs it on its own (ftcourse.instructor.isolated):
# exercise 1 renders the first training row (`first`) with `INSTRUCTION` and the tokenizer; exercises 2 and 3 use the
# tokenizer, the recipe and exercise 1's function (the grader's own copy, so that a mistake in
# exercise 1 costs its points once); exercise 3 is handed the base model.
ANSWER_CONTEXT = {"tokenizer": course_tokenizer, "model": base_model, "first": first_training_row,
                  "INSTRUCTION": lambda course: INSTRUCTION,
                  "recipe": lambda course: recipe_for(course.profile), "to_messages": lambda course: messages}


def message_problems(found, article: str, headline=None) -> list:
    """Where `found` differs from the exercise's messages for (article, headline)."""
    if not isinstance(found, list) or not all(isinstance(m, dict) for m in found):
        return [f"a list of dicts, found {describe(found)}"]
    roles = ["user"] + (["assistant"] if headline is not None else [])
    if [m.get("role") for m in found] != roles:
        return [f"{len(roles)} message(s) with the roles {roles}; found roles {[m.get('role') for m in found]}"]
    problems = []
    if set(found[0]) != {"role", "content"} or (len(found) > 1 and set(found[1]) != {"role", "content"}):
        problems.append("each message with exactly the keys 'role' and 'content'")
    if found[0].get("content") != user_text(article):
        problems.append("the user message: the instruction, a blank line, then the article as given")
    if headline is not None and found[1].get("content") != headline:
        problems.append("the assistant message: the headline as given")
    return problems


# --- exercise 2: labels on the answer only ------------------------------------------------------

def encoding(tokenizer, article: str, headline: str) -> dict:
    """input_ids, attention_mask and labels of one example: the chat with its answer, labels -100 on
    every token of the prompt (everything up to the assistant's turn header)."""
    user = messages(article)
    prompt = list(tokenizer.apply_chat_template(user, add_generation_prompt=True)["input_ids"])
    full = list(tokenizer.apply_chat_template(user + [{"role": "assistant", "content": headline}])["input_ids"])
    if full[:len(prompt)] != prompt:
        raise ValueError("the chat template renders the prompt differently when the answer follows")
    return {"input_ids": full, "attention_mask": [1] * len(full),
            "labels": [IGNORE] * len(prompt) + full[len(prompt):]}


def token_problems(found, expected: dict, tokenizer) -> list:
    """Where the encoding `found` differs from `expected`, position by position."""
    if not isinstance(found, dict):
        return [f"a dict, found {describe(found)}"]
    problems = []
    for key in ("input_ids", "attention_mask", "labels"):
        values = found.get(key)
        try:
            values = [int(v) for v in values]
        except (TypeError, ValueError):
            problems.append(f"{key}: a list of ints, found {describe(values)}")
            continue
        wanted = expected[key]
        if len(values) != len(wanted):
            problems.append(f"{key}: one entry per token of the whole chat ({len(wanted)}), found {len(values)}")
            continue
        wrong = [i for i, (a, b) in enumerate(zip(values, wanted)) if a != b]
        if wrong:
            i = wrong[0]
            token = tokenizer.convert_ids_to_tokens(expected["input_ids"][i])
            part = "prompt" if expected["labels"][i] == IGNORE else "answer"
            problems.append(f"{key}: {len(wrong)} position(s) differ, the first at {i} (token {token!r}, "
                            f"part of the {part}), where you have {values[i]}")
    return problems


# --- exercise 4: LoRA parameters of a Llama-style model -----------------------------------------

def model_sizes(config) -> dict:
    """The sizes that decide the shapes of a Llama-style model's Linear layers, from its config."""
    return {name: int(getattr(config, name)) for name in SIZE_FIELDS}


def peft_count(sizes: dict, r: int, targets) -> int:
    """Trainable parameters that peft creates for LoRA of rank `r` on `targets` of a Llama model of
    these sizes (built on the meta device: no memory, no weights)."""
    import torch
    from peft import LoraConfig, TaskType, get_peft_model
    from transformers import AutoModelForCausalLM, LlamaConfig

    config = LlamaConfig(vocab_size=64, **sizes)
    with torch.device("meta"), quiet():
        model = get_peft_model(AutoModelForCausalLM.from_config(config),
                               LoraConfig(task_type=TaskType.CAUSAL_LM, r=r, target_modules=list(targets)))
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def unseen_sizes(rng) -> dict:
    """A Llama-style model of sizes nobody knows in advance (grouped-query attention included)."""
    kv_heads = int(rng.choice([1, 2, 3, 4]))
    heads = kv_heads * int(rng.choice([1, 2, 3, 4]))
    head_dim = int(rng.choice([16, 32, 48, 64]))  # need not be hidden_size / heads (it is not in every model)
    return {"hidden_size": heads * int(rng.choice([16, 24, 32, 40])), "num_attention_heads": heads,
            "num_key_value_heads": kv_heads, "head_dim": head_dim,
            "intermediate_size": int(rng.choice([256, 384, 512, 1000])),
            "num_hidden_layers": int(rng.integers(1, 9))}


def unseen_targets(rng) -> list:
    count = int(rng.integers(1, len(LLAMA_LINEARS) + 1))
    return sorted(str(t) for t in rng.choice(LLAMA_LINEARS, size=count, replace=False))


def config_differences(config) -> list:
    """The fields of `config` that differ from exercise 4's, or from LoraConfig's defaults."""
    return _differences(config, EXERCISE_CONFIG)


# --- exercise 5: generation ---------------------------------------------------------------------

def reference_headline(model, tokenizer, article: str, max_new_tokens: int) -> str:
    """Greedy generation for one article, stopped at the end of the assistant's turn: the new text
    only, special tokens dropped, surrounding whitespace stripped."""
    import torch

    pristine = getattr(model, "ftcourse_pristine", None)
    if pristine and (pristine, article, max_new_tokens) in _REFERENCE:
        return _REFERENCE[(pristine, article, max_new_tokens)]
    user = messages(article)
    inputs = tokenizer.apply_chat_template(user, add_generation_prompt=True, return_tensors="pt",
                                           return_dict=True).to(next(model.parameters()).device)
    model.eval()
    with torch.no_grad(), quiet():
        out = model.generate(**inputs, max_new_tokens=max_new_tokens, do_sample=False,
                             eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id)
    new_ids = out[0, inputs["input_ids"].shape[1]:]
    _ENDED[article] = bool(len(new_ids)) and int(new_ids[-1]) == tokenizer.eos_token_id
    text = tokenizer.decode(new_ids, skip_special_tokens=True).strip()
    if pristine:
        _REFERENCE[(pristine, article, max_new_tokens)] = text
    return text


_ENDED = {}  # article -> whether its last reference generation ended with the end-of-turn token
_REFERENCE = {}  # (base model folder, article, max_new_tokens) -> the pristine base model's headline


def article_that_ends(model, tokenizer, articles, max_new_tokens: int) -> str:
    """The first of `articles` whose greedy headline ends its turn before `max_new_tokens` (so that a
    test sees how an answer treats the end-of-turn token); the first article if none does."""
    for article in articles:
        reference_headline(model, tokenizer, article, max_new_tokens)
        if _ENDED[article]:
            return article
    return articles[0]


# --- exercise 6: the fine-tune, scored outside the student's kernel ------------------------------

def training_steps(recipe, examples=None) -> int:
    """Optimizer steps of the lesson's fine-tune: one per batch in every epoch."""
    import math

    examples = examples or (recipe.train_size or TRAINING_ROWS)
    return recipe.epochs * math.ceil(examples / recipe.batch_size)


def adapter_settings(folder) -> dict:
    """r and target_modules of a saved adapter's config."""
    import json

    config = json.loads((Path(folder) / "adapter_config.json").read_text())
    return {"r": config.get("r"), "target_modules": sorted(config.get("target_modules") or [])}


def answer_loss(model, tokenizer, rows) -> float:
    """The mean over articles of the mean cross-entropy on each article's answer tokens."""
    import torch

    model.eval()
    device = next(model.parameters()).device
    losses = []
    with torch.no_grad():
        for row in rows:
            enc = encoding(tokenizer, row["article"], row["headline"])
            out = model(input_ids=torch.tensor([enc["input_ids"]], device=device),
                        labels=torch.tensor([enc["labels"]], device=device))
            losses.append(out.loss.item())
    return sum(losses) / len(losses)


def rouge_l(predictions, references) -> float:
    """Mean ROUGE-L F-measure (rouge-score, no stemming: the course's `rouge` metric)."""
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(["rougeL"])
    return sum(scorer.score(ref, pred)["rougeL"].fmeasure for pred, ref in zip(predictions, references)) / len(references)


def greedy_headlines(model, tokenizer, articles, max_new_tokens: int, batch_size: int = 16) -> list:
    """Greedy headlines for many articles, generated in batches (prompts padded on the left, where
    a causal LM must be padded to generate). Numerically a batch can differ from one-at-a-time
    generation in the last bits, so a rare near-tie may pick another token: the grader compares two
    models with this same function, never with a student's one-at-a-time output."""
    import torch

    model.eval()
    device = next(model.parameters()).device
    side, tokenizer.padding_side = tokenizer.padding_side, "left"
    found = []
    try:
        for start in range(0, len(articles), batch_size):
            texts = [tokenizer.apply_chat_template(messages(a), tokenize=False, add_generation_prompt=True)
                     for a in articles[start:start + batch_size]]
            batch = tokenizer(texts, return_tensors="pt", padding=True, add_special_tokens=False).to(device)
            with torch.no_grad(), quiet():
                out = model.generate(**batch, max_new_tokens=max_new_tokens, do_sample=False,
                                     eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id)
            found += [t.strip() for t in tokenizer.batch_decode(out[:, batch["input_ids"].shape[1]:],
                                                                 skip_special_tokens=True)]
    finally:
        tokenizer.padding_side = side
    return found


def headlines_and_rouge(model, tokenizer, rows, max_new_tokens: int) -> tuple:
    """`model`'s greedy headlines for `rows`, and their ROUGE-L against the rows' headlines."""
    headlines = greedy_headlines(model, tokenizer, [row["article"] for row in rows], max_new_tokens)
    return headlines, rouge_l(headlines, [row["headline"] for row in rows])


def scores(model, tokenizer, rows, max_new_tokens: int) -> dict:
    """Answer loss, ROUGE-L of greedy headlines, and the headlines, of `model` on `rows`."""
    headlines, rouge = headlines_and_rouge(model, tokenizer, rows, max_new_tokens)
    return {"loss": answer_loss(model, tokenizer, rows), "rougeL": rouge, "headlines": headlines}


def adapter_problems(folder) -> list:
    """What is wrong with a saved LoRA adapter folder for the course's chat model."""
    import json

    folder = Path(folder)
    if not (folder / "adapter_config.json").is_file() or not (folder / "adapter_model.safetensors").is_file():
        return ["no adapter_config.json and adapter_model.safetensors in it (save with save_model)"]
    try:
        config = json.loads((folder / "adapter_config.json").read_text())
    except ValueError:
        return ["adapter_config.json is not JSON"]
    if config.get("peft_type") != "LORA" or config.get("task_type") != "CAUSAL_LM":
        return [f"a LoRA adapter for a causal LM, found {config.get('peft_type')} / {config.get('task_type')}"]
    if (folder / "adapter_model.safetensors").stat().st_size > 20e6:
        return ["an adapter of LoRA matrices only (it holds more than 20 MB)"]
    return []


def adapter_model(course, folder):
    """The pristine base model with the adapter in `folder` loaded onto it."""
    from peft import PeftModel

    with quiet():
        return PeftModel.from_pretrained(base_model(course), str(folder))


def headline_rouge(model, tokenizer, rows, max_new_tokens: int) -> float:
    """ROUGE-L of `model`'s greedy headlines for `rows` against their headlines. The expensive half of
    `scores`: a test checks the loss first, so an adapter that failed to learn costs no generation."""
    return headlines_and_rouge(model, tokenizer, rows, max_new_tokens)[1]


def adapter_scores(course, folder, rows) -> dict:
    """`scores` of the pristine base model with the adapter in `folder` loaded onto it."""
    return scores(adapter_model(course, folder), course_tokenizer(course), rows, recipe_for(course.profile).max_new_tokens)


def _base_scores_file(profile: str) -> Path:
    from ...shared.paths import course_home

    return course_home() / "data" / "headlines" / f"base-scores-{profile}.json"


def _base_scores_key(recipe, rows) -> str:
    """What the base model's scores depend on: the model's weights, the recipe, the articles, the code."""
    import hashlib
    import json

    import torch
    import transformers

    from ...shared.assets import CHAT_MODEL

    parts = [CHAT_MODEL.weights_sha256, recipe.as_dict(), [r["article"] for r in rows], torch.__version__,
             transformers.__version__, Path(__file__).read_text(encoding="utf-8")]
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


_BASE_SCORES = {}  # (model folder, profile) -> scores, for this process


def base_scores(course) -> dict:
    """`scores` of the base model on the grader's held-out articles: the same for every submission,
    so computed once per machine and profile (kept in the course's data folder, keyed by everything
    they depend on) and read back after that."""
    import json

    from ...shared.paths import write_atomic

    memo = (course.chat_model_dir, course.profile.name)
    if memo in _BASE_SCORES:
        return _BASE_SCORES[memo]
    recipe = recipe_for(course.profile)
    rows = grading_rows(recipe)
    key, cache = _base_scores_key(recipe, rows), _base_scores_file(course.profile.name)
    try:
        kept = json.loads(cache.read_text(encoding="utf-8"))
        found = kept["scores"] if kept.get("key") == key else None
    except (OSError, ValueError, KeyError, AttributeError, TypeError):
        found = None
    if found is None:
        found = scores(base_model(course), course_tokenizer(course), rows, recipe.max_new_tokens)
        try:  # the grader's trusted checks cannot write here (a read-only mount): they only read it
            write_atomic(cache, json.dumps({"key": key, "scores": found}))
        except OSError:
            pass
    _BASE_SCORES[memo] = found
    return found


def prepare_grading(course) -> None:
    """Before a class is graded (outside the sandbox, where the data folder is writable): score the
    base model once, so that each submission's checks only score its own adapter."""
    base_scores(course)
