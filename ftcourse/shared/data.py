"""The course's sentiment data: Rotten Tomatoes snippets as fixed, stratified, local CSV splits.

Recipe (bump RECIPE when it changes, so old copies are rebuilt): drop the 'plot' rows (movie
summaries, not opinions), strip whitespace, drop duplicate texts (keeping the first), label
rotten -> 0 'negative' and fresh -> 1 'positive', then split 80/10/10 stratified by label with
seed 42. The splits are plain CSV files so that lessons load them with the real datasets API:
`load_dataset("csv", data_files=...)`.
"""
import json
from pathlib import Path

from .assets import REVIEWS, require, sha256
from .paths import atomic_dir, course_home, writable_home

RECIPE = 1
GRADING_START = 1000  # test rows from here on are never used by lessons: graders check models on them
SPLITS = ("train", "validation", "test")
LABELS = ("negative", "positive")


def sentiment_dir() -> Path:
    return course_home() / "data" / "sentiment"


def sentiment_features():
    from datasets import ClassLabel, Features, Value

    return Features({"text": Value("string"), "label": ClassLabel(names=list(LABELS))})


def sentiment_files() -> dict:
    """Split name -> CSV path, preparing the splits first if they are missing or outdated."""
    folder = sentiment_dir()
    if _manifest(folder).get("recipe") != RECIPE:
        prepare_sentiment()
    return {split: str(folder / f"{split}.csv") for split in SPLITS}


def _manifest(folder: Path) -> dict:
    try:
        return json.loads((folder / "manifest.json").read_text())
    except (OSError, ValueError):
        return {}


def prepare_sentiment() -> Path:
    """Build the splits from the fetched asset, atomically: all files appear together or none."""
    import pandas as pd
    from datasets import Dataset

    raw = pd.read_csv(require(REVIEWS) / "rotten_tomatoes_corpus_full.csv.bz2")
    raw = raw[raw["category"] != "plot"].assign(text=lambda d: d["text"].str.strip())
    raw = raw.drop_duplicates("text", keep="first")
    frame = pd.DataFrame({"text": raw["text"], "label": (raw["category"] == "fresh").astype(int)})
    full = Dataset.from_pandas(frame, preserve_index=False).cast(sentiment_features())
    first = full.train_test_split(test_size=0.2, stratify_by_column="label", seed=42)
    rest = first["test"].train_test_split(test_size=0.5, stratify_by_column="label", seed=42)
    splits = {"train": first["train"], "validation": rest["train"], "test": rest["test"]}

    writable_home()
    target = sentiment_dir()
    with atomic_dir(target) as staging:
        stats = {}
        for name, split in splits.items():
            split.to_csv(str(staging / f"{name}.csv"), index=False)
            positives = sum(split["label"])
            stats[name] = {"rows": len(split), "negative": len(split) - positives, "positive": positives,
                           "sha256": sha256(staging / f"{name}.csv")}
        (staging / "manifest.json").write_text(json.dumps({"recipe": RECIPE, "splits": stats}, indent=2))
    return target


def sentiment_stats() -> dict:
    sentiment_files()
    return _manifest(sentiment_dir())["splits"]


def grading_split():
    """Test rows that no lesson touches in any profile, for checking what a student trained."""
    from datasets import load_dataset

    test = load_dataset("csv", data_files={"test": sentiment_files()["test"]}, features=sentiment_features())["test"]
    return test.select(range(GRADING_START, len(test)))


def load_sentiment(profile=None, full=False):
    """The splits as a DatasetDict, cut to the profile's sizes when one is given (`full=True`: the
    training split cut to lesson 01's `full_train_size` instead of `train_size`)."""
    from datasets import load_dataset

    data = load_dataset("csv", data_files=sentiment_files(), features=sentiment_features())
    if profile is not None:
        train = profile.full_train_size if full else profile.train_size
        sizes = {"train": train, "validation": profile.validation_size, "test": profile.test_size}
        for split, size in sizes.items():
            if size is not None and size < len(data[split]):
                data[split] = data[split].select(range(size))
    return data
