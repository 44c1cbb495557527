"""The BBC News articles: lesson 02 builds a topic-classification dataset from these files, lesson 04
classifies their headlines, and the grader recomputes both from here.

The folder holds one sub-folder per topic (business, entertainment, politics, sport, tech) and
one NNN.txt file per article: the headline on the first line, a blank line, then the body. The
files are raw on purpose (one is not UTF-8, some are duplicates): preparing them is lesson 02.
The course's one rule for duplicates: two articles are the same when their bodies are equal after
lower-casing and collapsing whitespace; the first in (topic, file name) order is kept.
"""
import re
from pathlib import Path

from .assets import NEWS, require


def news_dir() -> Path:
    """The local folder of the BBC News articles; fails with the fix when it is missing."""
    return require(NEWS)


def decode(raw: bytes) -> str:
    """UTF-8, or Windows-1252 for the file that is not UTF-8."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252")


def article_files(folder=None) -> list:
    """Every article file, in (topic folder, file name) order."""
    return sorted(p for p in Path(folder or news_dir()).glob("*/*.txt") if p.is_file())


def topic_names(folder=None) -> list:
    """The topics: the sub-folder names, sorted (their indices are the class ids)."""
    return sorted(p.name for p in Path(folder or news_dir()).iterdir() if p.is_dir())


def articles(folder=None) -> list:
    """One {'file', 'topic', 'headline', 'text'} per file: headline = first line, text = the rest."""
    rows = []
    for path in article_files(folder):
        first, _, rest = decode(path.read_bytes()).partition("\n")
        rows.append({"file": f"{path.parent.name}/{path.name}", "topic": path.parent.name,
                     "headline": first.strip(), "text": rest.strip()})
    return rows


def duplicate_key(text: str) -> str:
    """Bodies compare equal when they match after lower-casing and collapsing whitespace runs."""
    return re.sub(r"\s+", " ", text).strip().lower()


def unique_articles(folder=None) -> list:
    """`articles` without duplicates: the first article (in file order) of each body is kept."""
    seen, kept = set(), []
    for row in articles(folder):
        key = duplicate_key(row["text"])
        if key not in seen:
            seen.add(key)
            kept.append(row)
    return kept


def headlines() -> tuple:
    """The unique articles' headlines with their topics: `(headlines, labels, topic_names)`, labels
    being indices into the sorted topic names."""
    names = topic_names()
    rows = unique_articles()
    return [r["headline"] for r in rows], [names.index(r["topic"]) for r in rows], names
