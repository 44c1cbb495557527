"""The WNUT-2016 tweets: a small, real named-entity corpus for sequence-labelling examples.

The asset's `ner.txt` holds one token per line as `token<TAB>tag`, with IOB2 tags over 10 entity
types (person, geo-loc, company, facility, product, musicartist, movie, sportsteam, tvshow,
other), and a line with only whitespace between tweets. `load_tweets()` reads it into a list of
`Tweet(tokens, tags)` in file order, so a tweet's index is stable.
"""
from pathlib import Path
from typing import List, NamedTuple

from .assets import TWEETS_NER, require
from .errors import CourseError


class Tweet(NamedTuple):
    tokens: List[str]
    tags: List[str]  # IOB2: "O", "B-<type>", "I-<type>", one per token


def tweets_file() -> Path:
    return require(TWEETS_NER) / "ner.txt"


def parse(text: str) -> list:
    """Tweets from the text of a `token<TAB>tag` file; blank (or whitespace-only) lines separate them."""
    tweets, tokens, tags = [], [], []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            if tokens:
                tweets.append(Tweet(tokens, tags))
                tokens, tags = [], []
            continue
        token, sep, tag = line.rpartition("\t")
        if not sep or not tag.strip():
            raise CourseError(f"line {number} of the WNUT file is not `token<TAB>tag`: {line!r}")
        tokens.append(token)
        tags.append(tag.strip())
    if tokens:
        tweets.append(Tweet(tokens, tags))
    return tweets


def load_tweets() -> list:
    """All tweets of the asset (2,394), each a `Tweet(tokens, tags)`."""
    return parse(tweets_file().read_text(encoding="utf-8"))


def entity_types(tweets) -> list:
    """The sorted entity types that occur in the tags of `tweets`."""
    return sorted({tag[2:] for tweet in tweets for tag in tweet.tags if tag != "O"})
