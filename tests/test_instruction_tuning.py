"""Lesson 05's data and the helpers its tests call: the splits never overlap and stay fixed, the
label mask covers the prompt exactly, and the checks say where an answer differs."""
import numpy as np
import pytest

from ftcourse.lessons.instruction_tuning import checks as chat_checks
from ftcourse.lessons.instruction_tuning import headlines


@pytest.fixture(scope="module")
def tokenizer():
    from ftcourse.shared.assets import CHAT_MODEL, require

    return chat_checks._tokenizer(str(require(CHAT_MODEL)))


def test_the_blocks_never_overlap_and_the_grader_keeps_its_own():
    rows = headlines.shuffled_articles()
    assert len(rows) == headlines.UNIQUE_ARTICLES
    assert headlines.TRAINING_ROWS == len(rows) - headlines.GRADING_ROWS - headlines.VALIDATION_ROWS
    for name, recipe in headlines.RECIPES.items():
        data = headlines.load_headlines(recipe)
        graded = {r["article"] for r in headlines.grading_rows(recipe, headlines.GRADING_ROWS)}
        train, validation = set(data["train"]["article"]), set(data["validation"]["article"])
        assert not (train & validation) and not (train & graded) and not (validation & graded), name
        assert len(data["train"]) == (recipe.train_size or headlines.TRAINING_ROWS)
        assert all(len(a.split()) <= recipe.article_words for a in data["validation"]["article"])
        assert recipe.grading_size <= headlines.GRADING_ROWS


def test_the_order_is_fixed():
    first = [r["file"] for r in headlines.shuffled_articles()[:5]]
    assert first == [r["file"] for r in headlines.shuffled_articles()[:5]]


def test_every_recipe_field_says_what_it_sets():
    from dataclasses import fields

    assert all(f.metadata.get("help") for f in fields(headlines.HeadlineRecipe))
    assert set(headlines.RECIPES) == {"ci", "cpu", "gpu"}


def test_the_label_mask_covers_the_prompt_and_keeps_the_end_of_turn(tokenizer):
    enc = chat_checks.encoding(tokenizer, "An article.", "A headline")
    prompt = tokenizer.apply_chat_template(chat_checks.messages("An article."), add_generation_prompt=True)["input_ids"]
    assert enc["labels"][:len(prompt)] == [-100] * len(prompt)
    trained = [t for t, label in zip(enc["input_ids"], enc["labels"]) if label != -100]
    assert tokenizer.decode(trained) == "A headline<|im_end|>\n"


def test_token_problems_name_the_first_wrong_position_without_the_answer(tokenizer):
    expected = chat_checks.encoding(tokenizer, "An article.", "A headline")
    wrong = dict(expected, labels=list(expected["input_ids"]))  # no mask at all
    problems = chat_checks.token_problems(wrong, expected, tokenizer)
    assert len(problems) == 1 and problems[0].startswith("labels:") and "part of the prompt" in problems[0]
    assert chat_checks.token_problems(expected, expected, tokenizer) == []
    assert chat_checks.token_problems({"input_ids": "x"}, expected, tokenizer)


def test_message_problems_spot_each_kind_of_mistake():
    right = chat_checks.messages("Body", "Title")
    assert chat_checks.message_problems(right, "Body", "Title") == []
    assert chat_checks.message_problems(right[:1], "Body", "Title")  # answer missing
    assert chat_checks.message_problems([{"role": "user", "content": "Body"}], "Body")  # no instruction
    assert chat_checks.message_problems("not a list", "Body")


def test_the_count_of_lora_parameters_on_unseen_llama_models_is_peft_s():
    rng = np.random.default_rng(0)
    sizes = chat_checks.unseen_sizes(rng)
    count = chat_checks.peft_count(sizes, 2, ["k_proj"])
    assert count == sizes["num_hidden_layers"] * 2 * (sizes["hidden_size"] + sizes["num_key_value_heads"] * sizes["head_dim"])


def test_training_steps_follow_the_recipe():
    ci = headlines.RECIPES["ci"]
    assert chat_checks.training_steps(ci) == ci.epochs * -(-ci.train_size // ci.batch_size)


def test_the_base_model_is_scored_once_and_read_back_while_its_key_holds(tmp_path, monkeypatch):
    from types import SimpleNamespace

    from ftcourse.shared.profiles import get

    course = SimpleNamespace(chat_model_dir="/nowhere", profile=get("ci"))
    calls = []
    monkeypatch.setattr(chat_checks, "_base_scores_file", lambda profile: tmp_path / f"{profile}.json")
    monkeypatch.setattr(chat_checks, "base_model", lambda course: "base")
    monkeypatch.setattr(chat_checks, "course_tokenizer", lambda course: "tokenizer")
    monkeypatch.setattr(chat_checks, "scores", lambda *args: calls.append(args) or {"loss": 4.0, "rougeL": 0.2})
    monkeypatch.setattr(chat_checks, "_BASE_SCORES", {})
    assert chat_checks.base_scores(course) == {"loss": 4.0, "rougeL": 0.2} and len(calls) == 1
    monkeypatch.setattr(chat_checks, "_BASE_SCORES", {})  # a new process reads the file
    assert chat_checks.base_scores(course)["loss"] == 4.0 and len(calls) == 1
    saved = (tmp_path / "ci.json").read_text()
    (tmp_path / "ci.json").write_text(saved.replace('"key": "', '"key": "stale'))
    monkeypatch.setattr(chat_checks, "_BASE_SCORES", {})
    chat_checks.base_scores(course)
    assert len(calls) == 2  # another model, recipe, data or code: scored again


@pytest.mark.parametrize("profile", ["ci", "cpu"])
def test_pass_marks_sit_between_the_measured_runs_and_the_controls(profile):
    """The recipe's marks pass every measured run of the recipe and fail every control run
    (benchmarks/results/*-lesson05-margins-<profile>.json, written by `python -m benchmarks.margins`)."""
    import json
    from pathlib import Path

    tables = sorted((Path(__file__).resolve().parents[1] / "benchmarks" / "results").glob(f"*-lesson05-margins-{profile}.json"))
    assert tables, f"no measured margins for the {profile} profile: run python -m benchmarks.margins --profile {profile}"
    recipe = headlines.RECIPES[profile]
    for table in tables:
        result = json.loads(table.read_text())
        base = result["base"]
        for run in result["runs"]:
            passes = (run["loss"] / base["loss"] <= recipe.max_loss_ratio
                      and run["rougeL"] - base["rougeL"] >= recipe.min_rouge_gain)
            assert passes != run["control"], (table.name, run["seed"], run["threads"], run["control"])
        assert sum(run["control"] for run in result["runs"]) >= 2 and len(result["runs"]) >= 6
