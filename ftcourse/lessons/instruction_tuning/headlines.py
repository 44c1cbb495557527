"""The headline task of lesson 05: a BBC News article in, its headline out.

The articles are lesson 02's BBC News files, deduplicated by the course's one rule
(`ftcourse.shared.news.unique_articles`). They are shuffled once with a fixed seed and cut into
three blocks that never overlap: the first `GRADING_ROWS` are kept for the grader (no lesson run
sees them), the next `VALIDATION_ROWS` are the validation block, the rest the training block. A
profile uses the first rows of each block (`HeadlineRecipe`), and each article is cut to its first
`article_words` words, so the prompt stays short on a CPU.

The recipe is one small, typed configuration per profile: every field says what it sets.
"""
import random
from dataclasses import asdict, dataclass, field
from typing import Optional

SHUFFLE_SEED = 2024
GRADING_ROWS = 200
VALIDATION_ROWS = 200
INSTRUCTION = "Write a short headline for this news article."
SAME_STORY_WORDS = 40
UNIQUE_ARTICLES = 2068  # shuffled_articles() of the BBC News asset; tests/test_instruction_tuning.py checks it
TRAINING_ROWS = UNIQUE_ARTICLES - GRADING_ROWS - VALIDATION_ROWS


@dataclass(frozen=True)
class HeadlineRecipe:
    """Sizes and settings of the headline fine-tune in one profile."""

    profile: str = field(metadata={"help": "the course profile this recipe belongs to"})
    article_words: int = field(metadata={"help": "words kept from the start of each article (the prompt's length)"})
    train_size: Optional[int] = field(metadata={"help": "training articles; None = the whole training block"})
    validation_size: int = field(metadata={"help": "validation articles for loss and ROUGE in the lesson"})
    epochs: int = field(metadata={"help": "passes over the training articles"})
    batch_size: int = field(metadata={"help": "articles per optimizer step"})
    learning_rate: float = field(metadata={"help": "peak learning rate of the LoRA matrices (linear decay)"})
    max_new_tokens: int = field(metadata={"help": "most tokens a generated headline may have"})
    sft_examples: int = field(metadata={"help": "training articles of the short TRL SFTTrainer run"})
    grading_size: int = field(metadata={"help": "held-out articles the grader scores a saved adapter on"})
    max_loss_ratio: float = field(metadata={"help": "pass mark: held-out loss at most this share of the base model's"})
    min_rouge_gain: float = field(metadata={"help": "pass mark: held-out ROUGE-L at least this much above the base model's"})

    def as_dict(self) -> dict:
        return asdict(self)


# Pass marks come from `python -m benchmarks.margins` (benchmarks/results/*-lesson05-margins-<profile>.md):
# each sits between the worst run of the recipe and the best control (16 articles; a learning rate 100
# times smaller). ci: worst 0.680 / +0.057, controls 0.919 / +0.007. cpu: worst 0.645 / +0.088,
# controls 0.957 / +0.004. gpu: not measured (no GPU yet): its marks copy cpu's until `make gpu-check` runs.
RECIPES = {
    "ci": HeadlineRecipe(profile="ci", article_words=48, train_size=96, validation_size=16, epochs=1,
                         batch_size=8, learning_rate=2e-3, max_new_tokens=16, sft_examples=16,
                         grading_size=64, max_loss_ratio=0.85, min_rouge_gain=0.02),
    "cpu": HeadlineRecipe(profile="cpu", article_words=80, train_size=200, validation_size=16, epochs=1,
                          batch_size=8, learning_rate=1e-3, max_new_tokens=24, sft_examples=16,
                          grading_size=64, max_loss_ratio=0.80, min_rouge_gain=0.04),
    "gpu": HeadlineRecipe(profile="gpu", article_words=200, train_size=None, validation_size=200, epochs=2,
                          batch_size=16, learning_rate=5e-4, max_new_tokens=32, sft_examples=512,
                          grading_size=200, max_loss_ratio=0.80, min_rouge_gain=0.04),
}


def recipe_for(profile) -> HeadlineRecipe:
    """The recipe of a profile (a `Profile` or its name)."""
    return RECIPES[getattr(profile, "name", profile)]


def cut(text: str, words: int) -> str:
    """The first `words` words of `text`, joined by single spaces."""
    return " ".join(text.split()[:words])


def shuffled_articles() -> list:
    """The unique articles in the lesson's fixed shuffled order. Besides the course's duplicate rule,
    articles whose first `SAME_STORY_WORDS` words match are one story published twice (an update):
    only the first is kept, so that no story is in two blocks, whatever the recipe's prompt length."""
    from ...shared.news import duplicate_key, unique_articles

    seen, rows = set(), []
    for row in unique_articles():
        key = duplicate_key(cut(row["text"], SAME_STORY_WORDS))
        if key not in seen:
            seen.add(key)
            rows.append(row)
    random.Random(SHUFFLE_SEED).shuffle(rows)
    return rows


def _rows(block: list, size, words: int) -> dict:
    block = block if size is None else block[:size]
    return {"article": [cut(r["text"], words) for r in block], "headline": [r["headline"] for r in block],
            "topic": [r["topic"] for r in block]}


def load_headlines(recipe: HeadlineRecipe):
    """The lesson's `DatasetDict` with `train` and `validation` (columns article, headline, topic)."""
    from datasets import Dataset, DatasetDict

    rows = shuffled_articles()
    validation = rows[GRADING_ROWS:GRADING_ROWS + VALIDATION_ROWS]
    train = rows[GRADING_ROWS + VALIDATION_ROWS:]
    return DatasetDict({"train": Dataset.from_dict(_rows(train, recipe.train_size, recipe.article_words)),
                        "validation": Dataset.from_dict(_rows(validation, recipe.validation_size,
                                                              recipe.article_words))})


def grading_rows(recipe: HeadlineRecipe, size: Optional[int] = None) -> list:
    """Held-out {'article', 'headline', 'topic'} rows that no lesson run uses: the grader's."""
    block = _rows(shuffled_articles()[:GRADING_ROWS], size or recipe.grading_size, recipe.article_words)
    return [dict(zip(block, values)) for values in zip(*block.values())]
