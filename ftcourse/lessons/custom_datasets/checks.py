"""Checks for lesson 02 (custom datasets): reference data recomputed from the source files.

Hidden tests never trust a student's variables for the expected values: they read the sentiment
CSV files and the BBC News text files again here, with plain Python (csv, bytes), and rebuild the
expected splits and tokens. Messages say what was expected and what was found, describing the
expectation instead of printing a count or a row that would be the answer.
"""
import csv
from collections import Counter

from ...shared import news
from ...shared.encoders import course_tokenizer
from ...student.checks import describe, expect

SPLIT_SIZES = {"train": "train_size", "validation": "validation_size", "test": "test_size"}
TOKEN_COLUMNS = ["input_ids", "token_type_ids", "attention_mask"]
# what an answer cell run on its own gets besides `course` and `profile` (exercise 8's function)
ANSWER_CONTEXT = {"tokenizer": course_tokenizer, "max_length": lambda course: course.profile.max_length}


# --- the sentiment CSV files ---------------------------------------------------------------

def review_rows(course) -> dict:
    """Split -> list of {'text', 'label'} read with the csv module, cut to the profile's sizes."""
    rows = {}
    for split, path in course.data_files.items():
        with open(path, newline="", encoding="utf-8") as fh:
            found = [{"text": r["text"], "label": int(r["label"])} for r in csv.DictReader(fh)]
        size = getattr(course.profile, SPLIT_SIZES[split])
        rows[split] = found if size is None else found[:size]
    return rows


# --- the BBC News files --------------------------------------------------------------------

def files_per_topic(folder) -> Counter:
    """How many .txt files each topic folder holds, counted from the file system."""
    return Counter(p.parent.name for p in news.article_files(folder))


def news_splits(folder, seed: int = 42, test_size: float = 0.2):
    """The expected stratified split of the unique articles, rebuilt with the datasets API."""
    from datasets import ClassLabel, Dataset

    rows = news.unique_articles(folder)
    data = Dataset.from_dict({"headline": [r["headline"] for r in rows], "text": [r["text"] for r in rows],
                              "topic": [r["topic"] for r in rows]})
    data = data.cast_column("topic", ClassLabel(names=news.topic_names(folder))).rename_column("topic", "label")
    return data.train_test_split(test_size=test_size, stratify_by_column="label", seed=seed)


# --- tokens --------------------------------------------------------------------------------

def _tokenizer(model_dir):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(model_dir))


def token_ids(model_dir, texts, max_length: int) -> list:
    """input_ids of each text, truncated to max_length, unpadded: the reference tokenization."""
    return _tokenizer(model_dir)(list(texts), truncation=True, max_length=max_length)["input_ids"]


def pair_encoding(model_dir, headlines, texts, max_length: int) -> dict:
    """The reference encoding of (headline, text) pairs: headline first, only the text cut."""
    return dict(_tokenizer(model_dir)(list(headlines), list(texts), truncation="only_second", max_length=max_length))


# --- comparisons ---------------------------------------------------------------------------

def as_list(values) -> list:
    """A column as plain Python values (tensors and arrays become lists)."""
    return [v.tolist() if hasattr(v, "tolist") else v for v in values]


def column(dataset, name: str) -> list:
    """One column of a dataset as plain Python values, whatever format the dataset is set to."""
    return as_list(dataset.with_format(None)[name])


def expect_splits(value, names, what: str) -> None:
    from datasets import DatasetDict

    expect(isinstance(value, DatasetDict), what, "a DatasetDict", describe(value))
    expect(sorted(value) == sorted(names), what, f"the splits {sorted(names)}", f"the splits {sorted(value)}")


def expect_rows(dataset, rows: list, columns, what: str, rule: str) -> None:
    """Same number of rows and, column by column, the same values in the same order as `rows`."""
    expect(len(dataset) == len(rows), what, rule, f"{len(dataset)} rows, a different number")
    for name in columns:
        found = column(dataset, name)
        wanted = [r[name] for r in rows]
        if found != wanted:
            first = next(i for i, (a, b) in enumerate(zip(found, wanted)) if a != b)
            raise AssertionError(f"{what}: expected column '{name}' to hold {rule}; "
                                 f"found a different value at row {first}: {str(found[first])[:80]!r}")


def expect_class_label(dataset, name: str, names: list, what: str) -> None:
    from datasets import ClassLabel

    feature = dataset.features.get(name)
    expect(isinstance(feature, ClassLabel), f"{what}: feature '{name}'", "a ClassLabel", repr(feature))
    expect(list(feature.names) == list(names), f"{what}: names of '{name}'",
           "the topic folder names in alphabetical order", list(feature.names))


def expect_string_columns(dataset, names, what: str) -> None:
    for name in names:
        dtype = getattr(dataset.features.get(name), "dtype", None)
        expect(dtype in ("string", "large_string"), f"{what}: feature '{name}'", "a string Value", repr(dtype))


def expect_stratified(splits, what: str, label: str = "label", tolerance: float = 0.01) -> None:
    """Every class holds the same share of train and of test (up to rounding)."""
    train, test = Counter(column(splits["train"], label)), Counter(column(splits["test"], label))
    for cls in sorted(set(train) | set(test)):
        a, b = train[cls] / len(splits["train"]), test[cls] / len(splits["test"])
        expect(abs(a - b) <= tolerance, f"{what}: label {cls}",
               "every label in the same proportion in train and test (a stratified split)",
               f"{a:.1%} of train and {b:.1%} of test")


def expect_counts(found: Counter, wanted: Counter, what: str, rule: str) -> None:
    for key in sorted(set(found) | set(wanted)):
        expect(found[key] == wanted[key], f"{what}: '{key}'", rule, f"{found[key]}")


def expect_torch_format(dataset, columns, what: str) -> None:
    fmt = dataset.format
    expect(fmt["type"] == "torch", f"{what}: format", "the 'torch' format (set_format)", repr(fmt["type"]))
    expect(sorted(fmt["columns"]) == sorted(columns), f"{what}: formatted columns",
           f"columns {sorted(columns)}", sorted(fmt["columns"]))


def expect_token_ids(dataset, wanted: list, max_length: int, what: str) -> None:
    found = column(dataset, "input_ids")
    longest = max((len(ids) for ids in found), default=0)
    expect(longest <= max_length, f"{what}: input_ids", "no row longer than course.profile.max_length "
           "(truncation)", f"a row of {longest} tokens")
    expect(all(len(ids) == len(w) for ids, w in zip(found, wanted)), f"{what}: input_ids",
           "each row as long as its text truncated to max_length, without padding",
           "rows of other lengths")
    if found != wanted:
        first = next(i for i, (a, b) in enumerate(zip(found, wanted)) if a != b)
        raise AssertionError(f"{what}: expected the input_ids of the course tokenizer on column 'text' "
                             f"(truncation to max_length, no padding); found different tokens at row {first}")
    masks = column(dataset, "attention_mask")
    expect(all(m == [1] * len(ids) for m, ids in zip(masks, found)), f"{what}: attention_mask",
           "a 1 for every token (no padding stored in the dataset)", "zeros or other lengths")
