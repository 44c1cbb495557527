"""The sentiment splits: the recipe, the loading API the lessons teach, and the data card."""
import json
import re
import shutil

import pytest
from conftest import REAL_HOME, ROOT
from datasets import ClassLabel, load_dataset

from ftcourse.shared import assets, data


@pytest.fixture(scope="module")
def splits():
    return load_dataset("csv", data_files=data.sentiment_files(), features=data.sentiment_features())


def test_splits_load_with_the_datasets_csv_api(splits):
    assert list(splits) == ["train", "validation", "test"]
    assert splits["train"].column_names == ["text", "label"]
    assert splits["train"].features["label"] == ClassLabel(names=["negative", "positive"])


def test_recipe_drops_plots_and_duplicates_and_splits_80_10_10(splits):
    texts = [t for split in splits.values() for t in split["text"]]
    assert len(texts) == len(set(texts)), "a text appears twice"
    assert len(texts) == 12752  # 13,905 rows - 1,097 plots - 56 duplicates
    assert [len(splits[s]) for s in data.SPLITS] == [10201, 1275, 1276]


def test_splits_are_stratified(splits):
    shares = [sum(splits[s]["label"]) / len(splits[s]) for s in data.SPLITS]
    assert max(shares) - min(shares) < 0.002


def test_labels_follow_the_source_categories(splits):
    import pandas as pd

    raw = pd.read_csv(assets.REVIEWS.path / "rotten_tomatoes_corpus_full.csv.bz2")
    category = dict(zip(raw["text"].str.strip(), raw["category"]))
    for row in splits["validation"].select(range(200)):
        assert category[row["text"]] == ("fresh" if row["label"] == 1 else "rotten")


def test_readme_data_card_matches_the_prepared_splits():
    card = (ROOT / "README.md").read_text()
    for split, stats in data.sentiment_stats().items():
        row = re.search(rf"^\| {split} \| ([\d,]+) \| ([\d,]+) \| ([\d,]+) \|", card, re.M)
        assert row, f"README.md has no data-card row for {split}"
        numbers = [int(g.replace(",", "")) for g in row.groups()]
        assert numbers == [stats["rows"], stats["negative"], stats["positive"]]


def test_preparation_is_deterministic_and_atomic(empty_home, monkeypatch):
    reference = json.loads((REAL_HOME / "data" / "sentiment" / "manifest.json").read_text())["splits"]
    shutil.copytree(REAL_HOME / "assets" / assets.REVIEWS.name, assets.REVIEWS.path)
    assert data.sentiment_stats() == reference  # same rows, same bytes (sha256)

    def interrupted(self, path, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("datasets.Dataset.to_csv", interrupted)
    shutil.rmtree(data.sentiment_dir())
    with pytest.raises(KeyboardInterrupt):
        data.prepare_sentiment()
    assert not data.sentiment_dir().exists()
    assert not any(p.name.startswith(".sentiment") for p in data.sentiment_dir().parent.iterdir())


def test_profile_cuts_splits_to_its_sizes(ci_course):
    cut = data.load_sentiment(ci_course.profile)
    assert [len(cut[s]) for s in data.SPLITS] == [768, 128, 256]
